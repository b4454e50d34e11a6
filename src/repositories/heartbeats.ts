/** Worker heartbeats: written by workers.heartbeat and by a claim that names its worker. */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import type { RepositoryContext } from './context.js';
import type { WorkPool } from './work-pools.js';

/** Upserts a worker's heartbeat and moves a NOT_READY pool to READY. */
export async function recordHeartbeat(
  ctx: RepositoryContext,
  q: Executor,
  pool: WorkPool,
  workerName: string,
  heartbeatIntervalSeconds: number | undefined,
  now: Date,
): Promise<void> {
  const { worker: w, workPool: wp } = ctx.tables;
  await q
    .insert(w)
    .values({
      workPoolId: pool.id,
      name: workerName,
      lastHeartbeatTime: now,
      heartbeatIntervalSeconds: heartbeatIntervalSeconds ?? null,
      status: 'ONLINE',
      created: now,
      updated: now,
    })
    .onConflictDoUpdate({
      target: [w.workPoolId, w.name],
      set: {
        lastHeartbeatTime: now,
        status: 'ONLINE',
        updated: now,
        ...(heartbeatIntervalSeconds === undefined ? {} : { heartbeatIntervalSeconds }),
      },
    });
  if (pool.status === 'NOT_READY') {
    await q
      .update(wp)
      .set({ status: 'READY', lastTransitionedStatusAt: now, updated: now })
      .where(and(eq(wp.id, pool.id), eq(wp.status, 'NOT_READY')));
  }
}
