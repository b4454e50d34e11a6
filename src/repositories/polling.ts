/**
 * What a poll leaves behind: worker heartbeats (workers.heartbeat, and a claim that names its
 * worker) and a claim's marks on its queues and their deployments.
 */
import { type AnyColumn, type SQL, and, eq, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import { pgArrayLiteral } from '../dialect/postgres/fragments.js';
import type { Alongside } from './run-transition-batch.js';
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
    // Not waiting for a pool row another transaction holds (PostgreSQL): its holder is a claim or
    // heartbeat of another worker making it READY, or a limited claim, and a later heartbeat flips
    // it if that one rolls back. Waiting made every worker's claim queue behind one worker's claim
    // in a caller's open transaction, up to the statement timeout (a fresh user's trial).
    await q
      .update(wp)
      .set({ status: 'READY', lastTransitionedStatusAt: now, updated: now })
      .where(free(ctx, q, wp, and(eq(wp.id, pool.id), eq(wp.status, 'NOT_READY'))));
  }
}

/** How stale a READY queue's or deployment's `last_polled` may be before a claim writes it again, ms. */
export const POLL_RESOLUTION_MS = 1000;

/** The clock of the poll marks and the polled queues: values, or placeholders of a statement compiled once. */
interface MarkTerms {
  now: Date | SQL;
  stale: Date | SQL;
  /** The condition "this queue id column is one of the polled queues". */
  polled: (column: AnyColumn) => SQL;
}

/**
 * The two UPDATEs of a claim's marks (markPolled): its polled queues polled and READY (PAUSED if
 * paused), their deployments READY. A queue whose status changes is written at once, the others
 * once a second at most: concurrent claimers of one pool (not locking its row when it has no
 * limits) would otherwise take turns on the queue rows' locks until their commits. semantics.md
 * §5: the deployments of the polled queues are marked too, those not READY and the others once a
 * second at most. Every claim rewrote every deployment of its queues (100 rows and their 8 indexes
 * for a claim of the bench's pool, 4–8 ms of the claim on PostgreSQL; issue 13) although the mark
 * only has to be fresh against the 60-second readiness window of workPools.refreshStatus.
 */
export function markUpdates(ctx: RepositoryContext, q: Executor, { now, stale, polled }: MarkTerms) {
  const { workQueue: wq, deployment: d } = ctx.tables;
  const wanted = sql`case when ${wq.isPaused} then 'PAUSED' else 'READY' end`;
  const ready = sql`'READY'`;
  const queues = and(
    polled(wq.id),
    or(ne(wq.status, wanted), isNull(wq.lastPolled), lt(wq.lastPolled, stale)),
  );
  const deployments = and(
    polled(d.workQueueId),
    or(ne(d.status, ready), isNull(d.lastPolled), lt(d.lastPolled, stale)),
  );
  return [
    q
      .update(wq)
      .set({ lastPolled: now, status: wanted, updated: now })
      .where(free(ctx, q, wq, queues)),
    q
      .update(d)
      .set({ lastPolled: now, status: ready, updated: now })
      .where(free(ctx, q, d, deployments)),
  ] as const;
}

/**
 * `where`, and on PostgreSQL only the rows no other transaction holds (`FOR NO KEY UPDATE SKIP
 * LOCKED`: the lock the UPDATE takes anyway. `FOR UPDATE` would also hold off every insert whose
 * foreign key points at the row, e.g. another worker's heartbeat row on the pool, until the commit).
 * A row another claim is marking gets the same mark from it; waiting for that claim's commit made
 * concurrent claimers take turns, and deadlock: a claim holding a limited deployment's row (locked
 * to count its runs) waited for a queue row another claim had marked, while that claim waited to
 * mark the deployment (a fresh user's 12 claimers, with one limited deployment, failed with 40P01
 * after every retry). A row held by anything else is marked by a later poll.
 */
function free(
  ctx: RepositoryContext,
  q: Executor,
  table:
    | RepositoryContext['tables']['workQueue']
    | RepositoryContext['tables']['deployment']
    | RepositoryContext['tables']['workPool'],
  where: SQL | undefined,
): SQL | undefined {
  if (!ctx.rowLocking) return where;
  const unheld = q
    .select({ id: table.id })
    .from(table)
    .where(where)
    .for('no key update', { skipLocked: true });
  return and(where, inArray(table.id, unheld));
}

/** A claim's marks: its polled queues polled and READY (PAUSED if paused), their deployments READY. */
export async function markPolled(
  ctx: RepositoryContext,
  q: Executor,
  queueIds: string[],
  now: Date,
): Promise<void> {
  if (queueIds.length === 0) return;
  const stale = new Date(now.getTime() - POLL_RESOLUTION_MS);
  const polled = (column: AnyColumn) => ctx.fragments.inList(column, queueIds, 'uuid');
  for (const update of markUpdates(ctx, q, { now, stale, polled })) await update;
}

/**
 * PostgreSQL: the marks of markPolled as data-modifying CTEs of a claim's write (writeTransitions'
 * `alongside`), one statement instead of three. Compiled once: their parameters are placeholders,
 * filled by `values`.
 */
export function pollMarksAlongside(
  ctx: RepositoryContext,
  q: Executor,
  queueIds: string[],
  now: Date,
): Alongside {
  return {
    key: 'poll-marks',
    ctes: () => {
      const at = (name: string) => sql`${sql.placeholder(name)}::timestamptz`;
      const polled = (column: AnyColumn) =>
        sql`${column} in (select unnest(${sql.placeholder('orion_queues')}::text::uuid[]))`;
      const [queues, deployments] = markUpdates(ctx, q, {
        now: at('orion_now'),
        stale: at('orion_stale'),
        polled,
      });
      return { orion_queue_marks: queues.getSQL(), orion_deployment_marks: deployments.getSQL() };
    },
    values: {
      orion_now: now.toISOString(),
      orion_stale: new Date(now.getTime() - POLL_RESOLUTION_MS).toISOString(),
      orion_queues: pgArrayLiteral(queueIds),
    },
  };
}
