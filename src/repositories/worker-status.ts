/** Whether a worker is ONLINE, from its last heartbeat (Prefect's rule), and whether a pool has one. */
import { eq } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import type { WorkerStatus } from '../schema/enums.js';
import type { RepositoryContext } from './context.js';

/** Without an interval of its own, a worker is OFFLINE 90 s after its last heartbeat. */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 30;
/** A worker is OFFLINE once this many of its heartbeat intervals have passed without one. */
export const OFFLINE_AFTER_INTERVALS = 3;

/** ONLINE until 3 × its heartbeat interval has passed since the last heartbeat. */
export function workerStatus(
  w: { lastHeartbeatTime: Date; heartbeatIntervalSeconds: number | null },
  now: Date,
): WorkerStatus {
  const interval = w.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS;
  return now.getTime() - w.lastHeartbeatTime.getTime() > OFFLINE_AFTER_INTERVALS * interval * 1000
    ? 'OFFLINE'
    : 'ONLINE';
}

/** True when a worker of the pool is ONLINE at `now`, as `workers.list` would show it. */
export async function hasOnlineWorker(
  ctx: RepositoryContext,
  q: Executor,
  poolId: string,
  now: Date,
): Promise<boolean> {
  const w = ctx.tables.worker;
  const rows = await q
    .select({ lastHeartbeatTime: w.lastHeartbeatTime, heartbeatIntervalSeconds: w.heartbeatIntervalSeconds })
    .from(w)
    .where(eq(w.workPoolId, poolId));
  return rows.some((row) => workerStatus(row, now) === 'ONLINE');
}
