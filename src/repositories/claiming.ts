/**
 * Claiming scheduled runs (data-model.md, "Claiming scheduled runs"). On PostgreSQL the pool row is
 * locked first (serialising the counting per pool), candidates are taken with FOR UPDATE SKIP
 * LOCKED, and the candidates' deployment rows are locked in id order before their runs are counted,
 * since one deployment's runs can sit in several pools. On SQLite the write lock taken up front
 * serialises claimers. Limits are derived from the runs themselves, so no counter can leak.
 */
import { and, asc, eq, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import type { SqlFragments } from '../dialect/fragments.js';
import { NotFoundError } from '../errors.js';
import type { ConcurrencyOptions } from '../schema/json-types.js';
import type { RepositoryContext } from './context.js';
import { type FlowRun, FlowRunRepository } from './flow-runs.js';
import { type WorkPool, lockPoolByName } from './work-pools.js';
import { indexedText, time } from './validation.js';

/** Runs in these states occupy a slot. */
export const ACTIVE_STATES = ['PENDING', 'RUNNING', 'CANCELLING'] as const;
const CANDIDATE_SLACK = 20;

export const claimOptions = z.strictObject({
  workPoolName: indexedText(['work_pool', 'name']),
  workQueueNames: z
    .array(indexedText(['work_queue', 'name']))
    .max(1000)
    .optional(),
  workerName: indexedText(['worker', 'name']).optional(),
  limit: z.number().int().min(0).max(10_000),
  scheduledBefore: time.optional(),
});
export type ClaimOptions = z.input<typeof claimOptions>;
type Options = z.output<typeof claimOptions>;

type RunRow = typeof import('../schema/postgres/runs.js').flowRun.$inferSelect;

interface Plan {
  pool: WorkPool;
  polledQueueIds: string[];
  claim: RunRow[];
  cancel: RunRow[];
}

async function countActive(
  q: Executor,
  ctx: RepositoryContext,
  column: 'workQueueId' | 'deploymentId',
  ids: string[],
) {
  const fr = ctx.tables.flowRun;
  const counts = new Map<string, number>();
  if (ids.length === 0) return counts;
  const rows = await q
    .select({ key: fr[column], n: sql<number>`count(*)` })
    .from(fr)
    .where(and(ctx.fragments.inList(fr[column], ids, 'uuid'), inArray(fr.stateType, [...ACTIVE_STATES])))
    .groupBy(fr[column]);
  for (const row of rows) if (row.key) counts.set(row.key, Number(row.n));
  return counts;
}

type FlowRunTable = RepositoryContext['tables']['flowRun'];

/**
 * The due SCHEDULED runs of one queue, oldest first: the query the claim runs per queue, served by
 * the partial index ix_flow_run__scheduled_work_queue_id_next_scheduled_start_time.
 */
export function scheduledCandidatesQuery(
  q: Executor,
  fr: FlowRunTable,
  fragments: SqlFragments,
  o: { queueId: string; before: Date; exclude: string[]; take: number },
) {
  return q
    .select()
    .from(fr)
    .where(
      and(
        eq(fr.workQueueId, o.queueId),
        eq(fr.stateType, 'SCHEDULED'),
        lte(fr.nextScheduledStartTime, o.before),
        or(
          isNull(sql`${fr.empiricalPolicy} ->> 'retryType'`),
          sql`${fr.empiricalPolicy} ->> 'retryType' <> 'in_process'`,
        ),
        o.exclude.length > 0
          ? or(isNull(fr.deploymentId), fragments.notInList(fr.deploymentId, o.exclude, 'uuid'))
          : undefined,
      ),
    )
    .orderBy(asc(fr.nextScheduledStartTime), asc(fr.id))
    .limit(o.take)
    .$dynamic();
}

async function plan(ctx: RepositoryContext, q: Executor, o: Options, locking: boolean): Promise<Plan> {
  const { workPool: wp, workQueue: wq, flowRun: fr, deployment: dep } = ctx.tables;
  let pool: WorkPool;
  if (locking) pool = await lockPoolByName(ctx, q, o.workPoolName);
  else {
    const [found] = await q.select().from(wp).where(eq(wp.name, o.workPoolName));
    if (!found)
      throw new NotFoundError('work pool', o.workPoolName, `work pool "${o.workPoolName}" not found`);
    pool = found;
  }
  const queues = await q
    .select()
    .from(wq)
    .where(eq(wq.workPoolId, pool.id))
    .orderBy(asc(wq.priority), asc(wq.id));
  const named = o.workQueueNames ? new Set(o.workQueueNames) : undefined;
  for (const queueName of named ?? []) {
    if (!queues.some((queue) => queue.name === queueName)) {
      throw new NotFoundError(
        'work queue',
        queueName,
        `work queue "${queueName}" not found in pool "${pool.name}"`,
      );
    }
  }
  const polled = queues.filter((queue) => !named || named.has(queue.name));
  const empty: Plan = { pool, polledQueueIds: polled.map((queue) => queue.id), claim: [], cancel: [] };
  if (pool.isPaused || o.limit === 0) return empty;

  const unpaused = queues.filter((queue) => !queue.isPaused);
  const activeByQueue = await countActive(
    q,
    ctx,
    'workQueueId',
    unpaused.map((queue) => queue.id),
  );
  let poolFree = Number.POSITIVE_INFINITY;
  if (pool.concurrencyLimit !== null) {
    const poolActive = [...activeByQueue.values()].reduce((a, b) => a + b, 0);
    poolFree = pool.concurrencyLimit - poolActive;
  }
  if (poolFree <= 0) return empty;
  const queueFree = new Map<string, number>();
  for (const queue of unpaused) {
    if (named && !named.has(queue.name)) continue;
    const free =
      queue.concurrencyLimit === null
        ? Number.POSITIVE_INFINITY
        : queue.concurrencyLimit - (activeByQueue.get(queue.id) ?? 0);
    if (free > 0) queueFree.set(queue.id, free);
  }
  if (queueFree.size === 0) return empty;

  // Deployments already full with ENQUEUE are left out up front (a hint: recounted under lock below),
  // so their runs cannot crowd the batch; full CANCEL_NEW deployments come through to be cancelled.
  const fullRows = await q
    .select({ id: dep.id })
    .from(dep)
    .where(
      and(
        isNotNull(dep.concurrencyLimit),
        sql`coalesce(${dep.concurrencyOptions} ->> 'collisionStrategy', 'ENQUEUE') <> 'CANCEL_NEW'`,
        sql`${dep.concurrencyLimit} <= (select count(*) from ${fr} where ${fr.deploymentId} = ${dep.id}
              and ${fr.stateType} in ('PENDING', 'RUNNING', 'CANCELLING'))`,
      ),
    );
  const fullEnqueue = fullRows.map((row) => row.id);
  const before = o.scheduledBefore ?? new Date();
  // One query per queue, in priority order: each is served by the partial index on
  // (work_queue_id, next_scheduled_start_time) WHERE state_type = 'SCHEDULED'. A little slack
  // beyond the free slots covers runs skipped for a deployment that filled meanwhile.
  const candidates: RunRow[] = [];
  for (const queue of unpaused) {
    const free = queueFree.get(queue.id);
    if (free === undefined) continue;
    const take = Math.min(free, o.limit, poolFree) + CANDIDATE_SLACK;
    let query = scheduledCandidatesQuery(q, fr, ctx.fragments, {
      queueId: queue.id,
      before,
      exclude: fullEnqueue,
      take,
    });
    if (locking && ctx.rowLocking) query = query.for('update', { skipLocked: true });
    candidates.push(...(await query));
  }

  const deploymentIds = [
    ...new Set(candidates.map((r) => r.deploymentId).filter((id): id is string => id !== null)),
  ].sort();
  const deployments = new Map<string, { limit: number | null; options: ConcurrencyOptions | null }>();
  if (deploymentIds.length > 0) {
    let lock = q
      .select({ id: dep.id, limit: dep.concurrencyLimit, options: dep.concurrencyOptions })
      .from(dep)
      .where(ctx.fragments.inList(dep.id, deploymentIds, 'uuid'))
      .orderBy(asc(dep.id))
      .$dynamic();
    if (locking && ctx.rowLocking) lock = lock.for('update', { of: dep });
    for (const row of await lock) deployments.set(row.id, { limit: row.limit, options: row.options });
  }
  const limited = [...deployments].filter(([, d]) => d.limit !== null).map(([id]) => id);
  const activeByDeployment = await countActive(q, ctx, 'deploymentId', limited);

  const claim: RunRow[] = [];
  const cancel: RunRow[] = [];
  for (const run of candidates) {
    if (claim.length >= o.limit || poolFree <= 0) break;
    const free = queueFree.get(run.workQueueId!) ?? 0;
    if (free <= 0) continue;
    const deployment = run.deploymentId ? deployments.get(run.deploymentId) : undefined;
    if (deployment && deployment.limit !== null) {
      const active = activeByDeployment.get(run.deploymentId!) ?? 0;
      if (active >= deployment.limit) {
        if (deployment.options?.collisionStrategy === 'CANCEL_NEW') cancel.push(run);
        continue;
      }
      activeByDeployment.set(run.deploymentId!, active + 1);
    }
    queueFree.set(run.workQueueId!, free - 1);
    poolFree -= 1;
    claim.push(run);
  }
  return { ...empty, claim, cancel };
}

/** The runs a claim would take now; reads only. */
export async function findScheduledRuns(ctx: RepositoryContext, q: Executor, o: Options): Promise<FlowRun[]> {
  const { claim } = await plan(ctx, q, o, false);
  const runs = new FlowRunRepository(ctx);
  const now = new Date();
  return claim.map((row) => runs.present(row, now));
}

/** Claims inside the caller's transaction: PENDING with the bookkeeping, CANCEL_NEW cancellations, polling marks. */
export async function claimScheduledRuns(
  ctx: RepositoryContext,
  q: Executor,
  o: Options,
): Promise<FlowRun[]> {
  const p = await plan(ctx, q, o, true);
  const runs = new FlowRunRepository(ctx);
  // The candidates are locked (SKIP LOCKED on PostgreSQL, the write lock on SQLite) and current.
  const claimed = await runs.transitionLocked(q, p.claim, { type: 'PENDING' });
  await runs.transitionLocked(q, p.cancel, {
    type: 'CANCELLED',
    message: 'Deployment concurrency limit reached (collision strategy CANCEL_NEW)',
  });
  const now = new Date();
  const wq = ctx.tables.workQueue;
  if (p.polledQueueIds.length > 0) {
    await q
      .update(wq)
      .set({
        lastPolled: now,
        status: sql`case when ${wq.isPaused} then 'PAUSED' else 'READY' end`,
        updated: now,
      })
      .where(ctx.fragments.inList(wq.id, p.polledQueueIds, 'uuid'));
    // semantics.md §5: a claim also marks the deployments of the polled queues polled and READY.
    const d = ctx.tables.deployment;
    await q
      .update(d)
      .set({ lastPolled: now, status: 'READY', updated: now })
      .where(ctx.fragments.inList(d.workQueueId, p.polledQueueIds, 'uuid'));
  }
  if (o.workerName) await recordHeartbeat(ctx, q, p.pool, o.workerName, undefined, now);
  return claimed;
}

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
