/**
 * What a poll leaves behind: worker heartbeats (workers.heartbeat, and a claim that names its
 * worker) and a claim's marks on its queues and their deployments.
 */
import { and, eq, isNull, lt, ne, or, sql } from 'drizzle-orm';
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

/** How stale a READY queue's or deployment's `last_polled` may be before a claim writes it again, ms. */
export const POLL_RESOLUTION_MS = 1000;

/** A claim's marks: its polled queues polled and READY (PAUSED if paused), their deployments READY. */
export async function markPolled(
  ctx: RepositoryContext,
  q: Executor,
  queueIds: string[],
  now: Date,
): Promise<void> {
  if (queueIds.length === 0) return;
  const wq = ctx.tables.workQueue;
  const wanted = sql`case when ${wq.isPaused} then 'PAUSED' else 'READY' end`;
  const stale = new Date(now.getTime() - POLL_RESOLUTION_MS);
  // A queue whose status changes at once, the others once a second at most: concurrent claimers
  // of one pool (not locking its row when it has no limits) would otherwise take turns on the
  // queue rows' locks until their commits.
  await q
    .update(wq)
    .set({ lastPolled: now, status: wanted, updated: now })
    .where(
      and(
        ctx.fragments.inList(wq.id, queueIds, 'uuid'),
        or(ne(wq.status, wanted), isNull(wq.lastPolled), lt(wq.lastPolled, stale)),
      ),
    );
  // semantics.md §5: a claim also marks the deployments of the polled queues polled and READY:
  // those not READY, and the others once a second at most. Every claim rewrote every deployment
  // of its queues (100 rows and their 8 indexes for a claim of the bench's pool, 4–8 ms of the
  // claim on PostgreSQL; issue 13) although the mark only has to be fresh against the 60-second
  // readiness window of workPools.refreshStatus.
  const d = ctx.tables.deployment;
  await q
    .update(d)
    .set({ lastPolled: now, status: 'READY', updated: now })
    .where(
      and(
        ctx.fragments.inList(d.workQueueId, queueIds, 'uuid'),
        or(ne(d.status, 'READY'), isNull(d.lastPolled), lt(d.lastPolled, stale)),
      ),
    );
}
