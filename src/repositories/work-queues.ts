import { and, asc, eq, gt, gte, lt, lte, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { fk } from '../schema/naming.js';
import type { workQueue } from '../schema/postgres/work.js';
import { ONE_STATEMENT_MAX_LIMIT, claimInOneStatement } from './claim-one-statement.js';
import { type ClaimOptions, claimScheduledRuns, claimOptions, findScheduledRuns } from './claiming.js';
import { rowById } from './by-id.js';
import type { RepositoryContext } from './context.js';
import type { FlowRun } from './flow-runs.js';
import { deleteQueuesDetaching, renameQueueCopies } from './queue-names.js';
import { lockPoolByName, statusAfterPause } from './work-pools.js';
import { POLL_STALE_MS } from './loop-services.js';
import { entityName, parse, text, uuid, wholeNumber } from './validation.js';

export type WorkQueue = typeof workQueue.$inferSelect;

const priority = wholeNumber(1, 1_000_000);
const concurrency = wholeNumber(0, 1_000_000, ' (null means no limit)').nullable();
const poolName = entityName(['work_pool', 'name']);
const queueName = entityName(['work_queue', 'name']);
const workQueueCreate = z.strictObject({
  workPoolName: poolName,
  name: queueName,
  priority: priority.optional(),
  concurrencyLimit: concurrency.optional(),
  isPaused: z.boolean().optional(),
  description: text.optional(),
});
const workQueueUpdate = z.strictObject({
  name: queueName.optional(),
  priority: priority.optional(),
  concurrencyLimit: concurrency.optional(),
  isPaused: z.boolean().optional(),
  description: text.optional(),
});
const workQueueList = z.strictObject({
  where: z.strictObject({ workPoolName: poolName.optional() }).optional(),
});

export type WorkQueueCreate = z.input<typeof workQueueCreate>;
export type WorkQueueUpdate = z.input<typeof workQueueUpdate>;

/**
 * Work queues. Priorities are unique and dense within a pool (1 = first): inserting at p shifts the
 * queues at p and after; deleting closes the gap. Priority changes lock the pool row.
 */
export class WorkQueueRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private get t() {
    return this.ctx.tables.workQueue;
  }

  private async queueCount(q: Executor, poolId: string): Promise<number> {
    const [row] = await q
      .select({ n: sql<number>`count(*)` })
      .from(this.t)
      .where(eq(this.t.workPoolId, poolId));
    return Number(row?.n ?? 0);
  }

  async create(input: WorkQueueCreate): Promise<WorkQueue> {
    const data = parse(workQueueCreate, input, 'work queue');
    return this.ctx.transaction(async (q) => {
      const pool = await lockPoolByName(this.ctx, q, data.workPoolName);
      const count = await this.queueCount(q, pool.id);
      const at = Math.min(data.priority ?? count + 1, count + 1);
      const now = new Date();
      await q
        .update(this.t)
        .set({ priority: sql`${this.t.priority} + 1`, updated: now })
        .where(and(eq(this.t.workPoolId, pool.id), gte(this.t.priority, at)));
      const [row] = await q
        .insert(this.t)
        .values({
          workPoolId: pool.id,
          name: data.name,
          priority: at,
          concurrencyLimit: data.concurrencyLimit ?? null,
          isPaused: data.isPaused ?? false,
          status: data.isPaused ? 'PAUSED' : 'NOT_READY',
          description: data.description ?? '',
          created: now,
          updated: now,
        })
        .returning();
      return row!;
    });
  }

  async get(id: string): Promise<WorkQueue | null> {
    const queueId = parse(uuid, id, 'work queue id');
    return this.ctx.run(
      async (q) => (await rowById<WorkQueue>(this.ctx, q, 'work_queue', this.t, queueId)) ?? null,
    );
  }

  async getByName(workPoolName: string, workQueueName: string): Promise<WorkQueue | null> {
    const pool = parse(poolName, workPoolName, 'work pool name');
    const queue = parse(queueName, workQueueName, 'work queue name');
    const wp = this.ctx.tables.workPool;
    return this.ctx.run(async (q) => {
      const [row] = await q
        .select({ queue: this.t })
        .from(this.t)
        .innerJoin(wp, eq(wp.id, this.t.workPoolId))
        .where(and(eq(wp.name, pool), eq(this.t.name, queue)));
      return row?.queue ?? null;
    });
  }

  /** Queues in priority order (by pool name first when no pool is given). */
  async list(options: z.input<typeof workQueueList> = {}): Promise<WorkQueue[]> {
    const o = parse(workQueueList, options, 'work queue list options');
    const wp = this.ctx.tables.workPool;
    return this.ctx.run(async (q) => {
      const rows = await q
        .select({ queue: this.t })
        .from(this.t)
        .innerJoin(wp, eq(wp.id, this.t.workPoolId))
        .where(o.where?.workPoolName ? eq(wp.name, o.where.workPoolName) : undefined)
        .orderBy(asc(wp.name), asc(this.t.priority), asc(this.t.id));
      return rows.map((r) => r.queue);
    });
  }

  async update(id: string, patch: WorkQueueUpdate): Promise<WorkQueue> {
    const queueId = parse(uuid, id, 'work queue id');
    const data = parse(workQueueUpdate, patch, 'work queue update');
    return this.ctx.transaction(async (q) => {
      const current = await this.lockQueue(q, queueId);
      const now = new Date();
      let newPriority = current.priority;
      if (data.priority !== undefined && data.priority !== current.priority) {
        newPriority = Math.min(data.priority, await this.queueCount(q, current.workPoolId));
        const samePool = and(eq(this.t.workPoolId, current.workPoolId), ne(this.t.id, queueId));
        if (newPriority < current.priority) {
          await q
            .update(this.t)
            .set({ priority: sql`${this.t.priority} + 1`, updated: now })
            .where(and(samePool, gte(this.t.priority, newPriority), lt(this.t.priority, current.priority)));
        } else {
          await q
            .update(this.t)
            .set({ priority: sql`${this.t.priority} - 1`, updated: now })
            .where(and(samePool, gt(this.t.priority, current.priority), lte(this.t.priority, newPriority)));
        }
      }
      const status = await statusAfterPause(
        current,
        data.isPaused,
        () => current.lastPolled !== null && now.getTime() - current.lastPolled.getTime() <= POLL_STALE_MS,
      );
      const renamed = data.name !== undefined && data.name !== current.name;
      const rename = { queueId, name: data.name ?? current.name, now };
      // Deployments first (the order deployment writers lock in: deployment, then queue), the queue
      // row, then again: a writer that read the old name under its share lock has committed by now.
      if (renamed) await renameQueueCopies(this.ctx, q, { ...rename, runs: false });
      const [row] = await q
        .update(this.t)
        .set({ ...data, priority: newPriority, status, updated: now })
        .where(eq(this.t.id, queueId))
        .returning();
      if (renamed) await renameQueueCopies(this.ctx, q, { ...rename, runs: true });
      return row!;
    });
  }

  /**
   * Deletes a queue and closes the priority gap; its deployments and runs are detached (no queue id,
   * no queue name: docs/work.md, "Deleting a queue"). The pool's default queue is a ConflictError.
   */
  async delete(id: string): Promise<void> {
    const queueId = parse(uuid, id, 'work queue id');
    await this.ctx.transaction(async (q) => {
      const queue = await this.lockQueue(q, queueId);
      const [pool] = await q
        .select({ defaultQueueId: this.ctx.tables.workPool.defaultQueueId })
        .from(this.ctx.tables.workPool)
        .where(eq(this.ctx.tables.workPool.id, queue.workPoolId));
      if (pool?.defaultQueueId === queueId) {
        // Named after the RESTRICT key that refuses the delete on both dialects, so a race gives the same error.
        throw new ConflictError(
          'work queue',
          fk('work_pool', ['default_queue_id'], 'work_queue'),
          `The default queue of a work pool cannot be deleted (${queueId})`,
        );
      }
      const now = new Date();
      await deleteQueuesDetaching(this.ctx, q, { queueId }, now);
      await q.delete(this.t).where(eq(this.t.id, queueId));
      await q
        .update(this.t)
        .set({ priority: sql`${this.t.priority} - 1`, updated: now })
        .where(and(eq(this.t.workPoolId, queue.workPoolId), gt(this.t.priority, queue.priority)));
    });
  }

  /** Locks the queue's pool (serialising priority changes), then reads the queue. */
  private async lockQueue(q: Executor, queueId: string): Promise<WorkQueue> {
    const [found] = await q.select().from(this.t).where(eq(this.t.id, queueId));
    if (!found) throw new NotFoundError('work queue', queueId);
    const wp = this.ctx.tables.workPool;
    let lock = q.select({ id: wp.id }).from(wp).where(eq(wp.id, found.workPoolId)).$dynamic();
    if (this.ctx.rowLocking) lock = lock.for('update');
    await lock;
    const [queue] = await q.select().from(this.t).where(eq(this.t.id, queueId));
    if (!queue) throw new NotFoundError('work queue', queueId);
    return queue;
  }

  /** The runs claimScheduledRuns would claim now, without claiming them (read-only). */
  async getScheduledRuns(options: ClaimOptions): Promise<FlowRun[]> {
    const o = parse(claimOptions, options, 'scheduled runs options');
    return this.ctx.run((q) => findScheduledRuns(this.ctx, q, o));
  }

  /**
   * Atomically moves up to `limit` due SCHEDULED runs of the pool to PENDING and returns them:
   * strict queue priority, then next scheduled time, then id; queue, pool and deployment limits
   * never exceeded; concurrent callers never receive the same run.
   */
  async claimScheduledRuns(options: ClaimOptions): Promise<FlowRun[]> {
    const o = parse(claimOptions, options, 'claim options');
    // PostgreSQL, no heartbeat to record: one statement where no limit is involved
    // (claim-one-statement.ts); it writes nothing where one is, and the claim goes the general way.
    if (
      this.ctx.dialect.capabilities.writableCte &&
      this.ctx.rowLocking &&
      !o.workerName &&
      o.limit <= ONE_STATEMENT_MAX_LIMIT
    ) {
      const claimed = await this.ctx.statement((q) => claimInOneStatement(this.ctx, q, o));
      if (claimed) return claimed;
    }
    // Its first statement reads the pool and its queues: PostgreSQL sends BEGIN with it.
    return this.ctx.transaction((q) => claimScheduledRuns(this.ctx, q, o), { readFirst: true });
  }
}
