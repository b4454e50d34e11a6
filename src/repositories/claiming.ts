/**
 * Claiming scheduled runs (data-model.md, "Claiming scheduled runs"). On PostgreSQL the pool row is
 * locked first (serialising the counting per pool), candidates are taken with FOR UPDATE SKIP
 * LOCKED, and the candidates' deployment rows are locked in id order before their runs are counted,
 * since one deployment's runs can sit in several pools. On SQLite the write lock taken up front
 * serialises claimers. Limits are derived from the runs themselves, so no counter can leak.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import type { ConcurrencyOptions } from '../schema/json-types.js';
import {
  CAP_BATCH,
  type DeploymentCap,
  chunk,
  type QueueTake,
  dueConditions,
  limitedDueDeploymentsQuery,
  queueTopsQuery,
  topPerDeploymentQuery,
} from './claim-candidates.js';
import type { RepositoryContext } from './context.js';
import { type FlowRun, FlowRunRepository } from './flow-runs.js';
import { type WorkPool, lockPoolByName } from './work-pools.js';
import { indexedText, time } from './validation.js';

/** A due run read as a claim candidate. */
interface Candidate {
  id: string;
  queueId: string;
  /** next_scheduled_start_time, ms since the epoch. */
  dueAt: number;
}

/**
 * The ids of the first `total` candidates in claim order (queue priority, due time, id), at most
 * each queue's `take`: the candidates the final pick could reach, plus slack for rows a concurrent
 * transition holds (skipped under SKIP LOCKED).
 */
function firstInClaimOrder(
  found: Candidate[],
  queueRank: Map<string, number>,
  takes: QueueTake[],
  total: number,
): string[] {
  const byId = new Map(found.map((c) => [c.id, c]));
  const ordered = [...byId.values()].sort(
    (a, b) =>
      queueRank.get(a.queueId)! - queueRank.get(b.queueId)! ||
      a.dueAt - b.dueAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const room = new Map(takes.map((t) => [t.id, t.take]));
  const out: string[] = [];
  for (const c of ordered) {
    if (out.length >= total) break;
    const left = room.get(c.queueId) ?? 0;
    if (left <= 0) continue;
    room.set(c.queueId, left - 1);
    out.push(c.id);
  }
  return out;
}

/** Runs in these states occupy a slot. */
export const ACTIVE_STATES = ['PENDING', 'RUNNING', 'CANCELLING'] as const;
const CANDIDATE_SLACK = 20;

export const claimOptions = z.strictObject({
  workPoolName: indexedText(['work_pool', 'name']),
  workQueueNames: z
    .array(indexedText(['work_queue', 'name']))
    // An empty list would poll no queue, forever: a worker configured with none means all of them.
    .min(1, { error: 'must name at least one queue; leave it out to poll every queue of the pool' })
    .max(1000)
    .optional(),
  workerName: indexedText(['worker', 'name']).optional(),
  // One sentence whatever is wrong, as validation.ts wholeNumber (not imported: only this schema changes here).
  limit: z
    .number({ error: 'must be a whole number from 0 to 10,000' })
    .refine((n) => Number.isInteger(n) && n >= 0 && n <= 10_000, {
      error: 'must be a whole number from 0 to 10,000',
    }),
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

/** At most this many CANCEL_NEW cancellations per claim (semantics.md §5). */
export const MAX_CANCELLATIONS = 1000;

interface DeploymentLimit {
  limit: number | null;
  options: ConcurrencyOptions | null;
}

const isCancelNew = (d: DeploymentLimit | undefined) =>
  d !== undefined && d.limit !== null && d.options?.collisionStrategy === 'CANCEL_NEW';

async function readDeployments(
  q: Executor,
  ctx: RepositoryContext,
  ids: string[],
  lock: boolean,
): Promise<Map<string, DeploymentLimit>> {
  const dep = ctx.tables.deployment;
  const out = new Map<string, DeploymentLimit>();
  if (ids.length === 0) return out;
  let query = q
    .select({ id: dep.id, limit: dep.concurrencyLimit, options: dep.concurrencyOptions })
    .from(dep)
    .where(ctx.fragments.inList(dep.id, ids, 'uuid'))
    .orderBy(asc(dep.id))
    .$dynamic();
  // In id order, so two claimers locking overlapping deployments cannot deadlock.
  if (lock) query = query.for('update', { of: dep });
  for (const row of await query) out.set(row.id, { limit: row.limit, options: row.options });
  return out;
}

async function plan(ctx: RepositoryContext, q: Executor, o: Options, locking: boolean): Promise<Plan> {
  const { workPool: wp, workQueue: wq, flowRun: fr } = ctx.tables;
  const rowLocks = locking && ctx.rowLocking;
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
  // A paused pool or queue does nothing, cancellations included (semantics.md §5).
  if (pool.isPaused) return empty;
  const unpaused = queues.filter((queue) => !queue.isPaused);
  const targets = unpaused.filter((queue) => !named || named.has(queue.name));
  if (targets.length === 0) return empty;
  const queueRank = new Map(queues.map((queue, i) => [queue.id, i]));

  // Counted only where a limit needs the number: a pool limit counts every unpaused queue.
  const counted =
    pool.concurrencyLimit !== null ? unpaused : targets.filter((t) => t.concurrencyLimit !== null);
  const activeByQueue = await countActive(
    q,
    ctx,
    'workQueueId',
    counted.map((queue) => queue.id),
  );
  let poolFree = Number.POSITIVE_INFINITY;
  if (pool.concurrencyLimit !== null) {
    const poolActive = [...activeByQueue.values()].reduce((a, b) => a + b, 0);
    poolFree = pool.concurrencyLimit - poolActive;
  }
  const queueFree = new Map<string, number>();
  for (const queue of targets) {
    const free =
      queue.concurrencyLimit === null
        ? Number.POSITIVE_INFINITY
        : queue.concurrencyLimit - (activeByQueue.get(queue.id) ?? 0);
    queueFree.set(queue.id, free);
  }
  const before = o.scheduledBefore ?? new Date();
  const ids = new Set<string>();

  // The limited deployments with due runs in the polled queues, read from the (few) limited
  // deployments: their runs need per-deployment caps, and CANCEL_NEW ones cancellations.
  const targetIds = targets.map((queue) => queue.id);
  const limits = new Map<string, DeploymentLimit>();
  for (const row of await limitedDueDeploymentsQuery(q, ctx, targetIds, before))
    limits.set(row.id, { limit: row.limit, options: row.options });

  // CANCEL_NEW collisions do not depend on room in the pool or queue (semantics.md §5): the due runs
  // of limited CANCEL_NEW deployments are read whatever the free slots, up to the cancellation cap.
  const cancelNew = [...limits].filter(([, d]) => isCancelNew(d)).map(([id]) => id);
  if (cancelNew.length > 0) {
    const cancelNewRuns = await q
      .select({ id: fr.id })
      .from(fr)
      .where(
        and(
          ctx.fragments.inList(fr.deploymentId, cancelNew, 'uuid'),
          ctx.fragments.inList(fr.workQueueId, targetIds, 'uuid'),
          dueConditions(fr, before),
        ),
      )
      .orderBy(asc(fr.nextScheduledStartTime), asc(fr.id))
      .limit(MAX_CANCELLATIONS + o.limit);
    for (const row of cancelNewRuns) ids.add(row.id);
  }

  // Claim candidates, per queue with room: at most each limited deployment's free slots (fairness),
  // then only the first `slots` + slack in claim order (queue priority, due time, id): a claim of
  // 100 over 10 queues no longer reads and row-locks 10 queues' worth.
  const slots = Math.min(o.limit, poolFree);
  if (slots > 0) {
    const takes: QueueTake[] = [];
    for (const queue of targets) {
      const take = Math.min(slots, queueFree.get(queue.id)!);
      if (take > 0) takes.push({ id: queue.id, take: take + CANDIDATE_SLACK });
    }
    const active = await countActive(q, ctx, 'deploymentId', [...limits.keys()]);
    const found: Candidate[] = [];
    if (takes.length > 0) {
      const top = queueTopsQuery(ctx, fr, { queues: takes, before, limited: [...limits.keys()] });
      const rows = await q
        .select({ id: fr.id, queueId: fr.workQueueId, dueAt: fr.nextScheduledStartTime })
        .from(fr)
        .where(sql`${fr.id} in (${top})`);
      for (const row of rows) found.push({ id: row.id, queueId: row.queueId!, dueAt: row.dueAt!.getTime() });
    }
    for (const { id: queueId, take } of limits.size === 0 ? [] : takes) {
      const caps: DeploymentCap[] = [];
      for (const [id, d] of limits) {
        if (isCancelNew(d)) continue; // read above
        const free = Math.min(take, d.limit! - (active.get(id) ?? 0));
        if (free > 0) caps.push({ id, cap: free });
      }
      for (const batch of chunk(caps, CAP_BATCH)) {
        const top = topPerDeploymentQuery({ fragments: ctx.fragments, dialectName: ctx.dialect.name }, fr, {
          queueId,
          before,
          caps: batch,
          take,
        });
        const rows = await q
          .select({ id: fr.id, dueAt: fr.nextScheduledStartTime })
          .from(fr)
          .where(sql`${fr.id} in (${top})`);
        for (const row of rows) found.push({ id: row.id, queueId, dueAt: row.dueAt!.getTime() });
      }
    }
    for (const id of firstInClaimOrder(found, queueRank, takes, slots + CANDIDATE_SLACK)) ids.add(id);
  }
  if (ids.size === 0) return empty;

  // Locked second, by id: rows another claimer holds are skipped, rows it took meanwhile are gone.
  let locked = q
    .select()
    .from(fr)
    .where(and(ctx.fragments.inList(fr.id, [...ids], 'uuid'), dueConditions(fr, before)))
    .$dynamic();
  if (rowLocks) locked = locked.for('update', { skipLocked: true });
  const candidates = (await locked).sort(
    (a, b) =>
      queueRank.get(a.workQueueId!)! - queueRank.get(b.workQueueId!)! ||
      a.nextScheduledStartTime!.getTime() - b.nextScheduledStartTime!.getTime() ||
      (a.id < b.id ? -1 : 1),
  );

  // Only the deployments read as limited above are locked and recounted. A limit set on another
  // deployment after that read commits after this claim's candidates were chosen, so the claim
  // orders before it (a limit change never checks the runs already active).
  const deploymentIds = [
    ...new Set(
      candidates.map((r) => r.deploymentId).filter((id): id is string => id !== null && limits.has(id)),
    ),
  ].sort();
  const deployments = await readDeployments(q, ctx, deploymentIds, rowLocks);
  const limited = [...deployments].filter(([, d]) => d.limit !== null).map(([id]) => id);
  // Counted under the deployment locks: the authoritative numbers.
  const activeByDeployment = await countActive(q, ctx, 'deploymentId', limited);

  const claim: RunRow[] = [];
  const cancel: RunRow[] = [];
  for (const run of candidates) {
    const deployment = run.deploymentId ? deployments.get(run.deploymentId) : undefined;
    const full =
      deployment !== undefined &&
      deployment.limit !== null &&
      (activeByDeployment.get(run.deploymentId!) ?? 0) >= deployment.limit;
    if (full) {
      if (isCancelNew(deployment) && cancel.length < MAX_CANCELLATIONS) cancel.push(run);
      continue;
    }
    const free = queueFree.get(run.workQueueId!) ?? 0;
    if (claim.length >= o.limit || poolFree <= 0 || free <= 0) continue;
    if (deployment && deployment.limit !== null)
      activeByDeployment.set(run.deploymentId!, (activeByDeployment.get(run.deploymentId!) ?? 0) + 1);
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
