import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type RefreshStatusOptions, type RefreshStatusResult, refreshStatus } from './loop-services.js';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import type { workPool } from '../schema/postgres/work.js';
import { rowById } from './by-id.js';
import type { RepositoryContext } from './context.js';
import { deleteQueuesDetaching } from './queue-names.js';
import { idConditions, idFilter, textConditions, textFilter } from './filters.js';
import { paged } from './sorting.js';
import { entityName, jsonObject, limit, offset, parse, text, uuid, wholeNumber } from './validation.js';
import { columnsOf, readRows } from './table-rows.js';
import { hasOnlineWorker } from './worker-status.js';

export type WorkPool = typeof workPool.$inferSelect;

const concurrency = wholeNumber(0, 1_000_000, ' (null means no limit)').nullable();
const poolNameSchema = entityName(['work_pool', 'name']);
const workPoolCreate = z.strictObject({
  name: poolNameSchema,
  type: entityName(['work_pool', 'type']).optional(),
  description: text.nullable().optional(),
  baseJobTemplate: jsonObject.optional(),
  isPaused: z.boolean().optional(),
  concurrencyLimit: concurrency.optional(),
  storageConfiguration: jsonObject.optional(),
});
const workPoolUpdate = workPoolCreate.omit({ name: true, type: true });
const workPoolList = z.strictObject({
  where: z
    .strictObject({ id: idFilter.optional(), name: textFilter.optional(), type: textFilter.optional() })
    .optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});

export type WorkPoolCreate = z.input<typeof workPoolCreate>;
export type WorkPoolUpdate = z.input<typeof workPoolUpdate>;
export type WorkPoolListOptions = z.input<typeof workPoolList>;

/**
 * A pool's or queue's status after an update: pausing makes it PAUSED; unpausing a paused one makes
 * it READY when `ready()` says so (a pool: an online worker; a queue: polled within 60 s), else
 * NOT_READY until a heartbeat or a poll, as Prefect's update does; otherwise it stays as it is.
 */
export async function statusAfterPause<S extends string>(
  current: { status: S; isPaused: boolean },
  isPaused: boolean | undefined,
  ready: () => boolean | Promise<boolean>,
): Promise<S | 'PAUSED' | 'NOT_READY' | 'READY'> {
  if (isPaused === undefined) return current.status;
  if (isPaused) return 'PAUSED';
  if (!current.isPaused) return current.status;
  return (await ready()) ? 'READY' : 'NOT_READY';
}

/** Reads and locks a pool by name (on PostgreSQL FOR UPDATE, or `strength`), or throws NotFoundError. */
export async function lockPoolByName(
  ctx: RepositoryContext,
  q: Executor,
  poolName: string,
  strength: 'update' | 'key share' = 'update',
): Promise<WorkPool> {
  const t = ctx.tables.workPool;
  let query = q.select().from(t).where(eq(t.name, poolName)).$dynamic();
  if (ctx.rowLocking) query = query.for(strength);
  const [pool] = await query;
  if (!pool) throw new NotFoundError('work pool', poolName, `work pool "${poolName}" not found`);
  return pool;
}

/** Work pools: each has a `default` queue, created with it, that cannot be deleted. */
export class WorkPoolRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /**
   * Loop service, the foreman (Prefect's; call every ~30 s): workers OFFLINE after 3 × their
   * heartbeat interval (90 s without one); pools PAUSED while paused, else READY with an online
   * worker, NOT_READY without; queues and deployments NOT_READY when not polled for 60 s (a claim
   * marks them READY). In bulk, safe from two processes at once.
   * @returns the ids of what changed (pools with their new status).
   * @example const { workers, pools } = await db.workPools.refreshStatus()
   */
  refreshStatus(options: RefreshStatusOptions = {}): Promise<RefreshStatusResult> {
    return refreshStatus(this.ctx, options);
  }

  private get t() {
    return this.ctx.tables.workPool;
  }

  /** Creates a pool and its `default` queue (priority 1). A taken name is a ConflictError. */
  async create(input: WorkPoolCreate): Promise<WorkPool> {
    const data = parse(workPoolCreate, input, 'work pool');
    const { workQueue } = this.ctx.tables;
    return this.ctx.transaction(async (q) => {
      const now = new Date();
      const [pool] = await q
        .insert(this.t)
        .values({
          ...data,
          type: data.type ?? 'process',
          status: data.isPaused ? 'PAUSED' : 'NOT_READY',
          lastTransitionedStatusAt: now,
          created: now,
          updated: now,
        })
        .returning();
      const [queue] = await q
        .insert(workQueue)
        .values({ workPoolId: pool!.id, name: 'default', priority: 1, created: now, updated: now })
        .returning({ id: workQueue.id });
      const [withDefault] = await q
        .update(this.t)
        .set({ defaultQueueId: queue!.id })
        .where(eq(this.t.id, pool!.id))
        .returning();
      return withDefault!;
    });
  }

  async get(id: string): Promise<WorkPool | null> {
    const poolId = parse(uuid, id, 'work pool id');
    return this.ctx.run(
      async (q) => (await rowById<WorkPool>(this.ctx, q, 'work_pool', this.t, poolId)) ?? null,
    );
  }

  async getByName(name: string): Promise<WorkPool | null> {
    const valid = parse(poolNameSchema, name, 'work pool name');
    return this.ctx.run(
      async (q) => (await q.select().from(this.t).where(eq(this.t.name, valid)))[0] ?? null,
    );
  }

  /** Pools by name. */
  async list(options: WorkPoolListOptions = {}): Promise<WorkPool[]> {
    const o = parse(workPoolList, options, 'work pool list options');
    const f = this.ctx.fragments;
    const w = o.where ?? {};
    return this.ctx.run(async (q) => {
      let query = q
        .select()
        .from(this.t)
        .where(
          and(
            ...idConditions(this.t.id, w.id, f),
            ...textConditions(this.t.name, w.name, f),
            ...textConditions(this.t.type, w.type, f),
          ),
        )
        .orderBy(asc(this.t.name), asc(this.t.id))
        .$dynamic();
      query = paged(query, o, this.ctx.fragments);
      return readRows<WorkPool>(this.ctx, q, query, columnsOf(this.t));
    });
  }

  /**
   * Updates a pool; pausing sets status PAUSED, unpausing READY with an online worker, else
   * NOT_READY (a worker heartbeat makes it READY).
   */
  async update(id: string, patch: WorkPoolUpdate): Promise<WorkPool> {
    const poolId = parse(uuid, id, 'work pool id');
    const data = parse(workPoolUpdate, patch, 'work pool update');
    return this.ctx.transaction(async (q) => {
      const [current] = await q.select().from(this.t).where(eq(this.t.id, poolId));
      if (!current) throw new NotFoundError('work pool', poolId);
      const now = new Date();
      const status = await statusAfterPause(current, data.isPaused, () =>
        hasOnlineWorker(this.ctx, q, poolId, now),
      );
      const [row] = await q
        .update(this.t)
        .set({
          ...data,
          status,
          lastTransitionedStatusAt: status === current.status ? current.lastTransitionedStatusAt : now,
          updated: now,
        })
        .where(eq(this.t.id, poolId))
        .returning();
      return row!;
    });
  }

  /** Deletes a pool with its queues and workers; deployments and runs stay, detached (no queue id, no queue name). */
  async delete(id: string): Promise<void> {
    const poolId = parse(uuid, id, 'work pool id');
    await this.ctx.transaction(async (q) => {
      // The pool points at its default queue (RESTRICT): let go of it before the cascade removes it.
      const released = await q
        .update(this.t)
        .set({ defaultQueueId: null })
        .where(eq(this.t.id, poolId))
        .returning({ id: this.t.id });
      if (released.length === 0) throw new NotFoundError('work pool', poolId);
      await deleteQueuesDetaching(this.ctx, q, { poolId }, new Date());
      await q.delete(this.t).where(eq(this.t.id, poolId));
    });
  }
}
