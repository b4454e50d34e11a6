import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { worker } from '../schema/postgres/work.js';
import { recordHeartbeat } from './polling.js';
import type { RepositoryContext } from './context.js';
import { lockPoolByName } from './work-pools.js';
import { workerStatus } from './worker-status.js';
import { paged } from './sorting.js';
import { entityName, limit, offset, parse, time, wholeNumber } from './validation.js';
import { columnsOf, readRows } from './table-rows.js';

export type Worker = typeof worker.$inferSelect;

export { DEFAULT_HEARTBEAT_INTERVAL_SECONDS, workerStatus } from './worker-status.js';

const poolNameSchema = entityName(['work_pool', 'name']);
const workerNameSchema = entityName(['worker', 'name']);
const heartbeatInput = z.strictObject({
  workPoolName: poolNameSchema,
  name: workerNameSchema,
  heartbeatIntervalSeconds: wholeNumber(1, 86_400, ' (seconds)').optional(),
});
// `now` as in refreshStatus, so a caller that marks workers OFFLINE at a given instant lists them so too.
const listOptions = z.strictObject({
  limit: limit.optional(),
  offset: offset.optional(),
  now: time.optional(),
});

/** Workers: heartbeats per pool; status is derived from heartbeat age when read. */
export class WorkerRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** Records a heartbeat (creating the worker on first beat); a NOT_READY pool becomes READY. */
  async heartbeat(input: z.input<typeof heartbeatInput>): Promise<Worker> {
    const data = parse(heartbeatInput, input, 'worker heartbeat');
    const w = this.ctx.tables.worker;
    return this.ctx.transaction(async (q) => {
      // KEY SHARE: the pool stays until this commits (as the worker row's foreign key needs), and
      // the heartbeat does not queue behind a transaction that holds the row to flip its status or
      // to count its limits (a fresh user's trial: behind another worker's claim left open).
      const pool = await lockPoolByName(this.ctx, q, data.workPoolName, 'key share');
      const now = new Date();
      await recordHeartbeat(this.ctx, q, pool, data.name, data.heartbeatIntervalSeconds, now);
      const [row] = await q
        .select()
        .from(w)
        .where(and(eq(w.workPoolId, pool.id), eq(w.name, data.name)));
      return row!;
    });
  }

  /** The pool's workers, most recent heartbeat first, with their status at `now` (default: the clock). */
  async list(workPoolName: string, options: z.input<typeof listOptions> = {}): Promise<Worker[]> {
    const poolName = parse(poolNameSchema, workPoolName, 'work pool name');
    const o = parse(listOptions, options, 'worker list options');
    const { worker: w, workPool: wp } = this.ctx.tables;
    return this.ctx.run(async (q) => {
      const [pool] = await q.select({ id: wp.id }).from(wp).where(eq(wp.name, poolName));
      if (!pool) throw new NotFoundError('work pool', poolName, `work pool "${poolName}" not found`);
      let query = q
        .select()
        .from(w)
        .where(eq(w.workPoolId, pool.id))
        .orderBy(desc(w.lastHeartbeatTime), desc(w.id))
        .$dynamic();
      query = paged(query, o, this.ctx.fragments);
      const now = o.now ?? new Date();
      const rows = await readRows<typeof w.$inferSelect>(this.ctx, q, query, columnsOf(w));
      return rows.map((row) => ({ ...row, status: workerStatus(row, now) }));
    });
  }

  async delete(workPoolName: string, workerName: string): Promise<void> {
    const poolName = parse(poolNameSchema, workPoolName, 'work pool name');
    const valid = parse(workerNameSchema, workerName, 'worker name');
    const { worker: w, workPool: wp } = this.ctx.tables;
    await this.ctx.run(async (q) => {
      const [pool] = await q.select({ id: wp.id }).from(wp).where(eq(wp.name, poolName));
      if (!pool) throw new NotFoundError('work pool', poolName, `work pool "${poolName}" not found`);
      const deleted = await q
        .delete(w)
        .where(and(eq(w.workPoolId, pool.id), eq(w.name, valid)))
        .returning({ id: w.id });
      if (deleted.length === 0)
        throw new NotFoundError('worker', valid, `worker "${valid}" not found in pool "${poolName}"`);
    });
  }
}
