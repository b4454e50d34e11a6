/**
 * Claiming scheduled runs (data-model.md, "Claiming scheduled runs"). On PostgreSQL the pool row is
 * locked first where a pool or queue limit is counted (serialising the counting per pool), the runs
 * a claim takes are locked with FOR UPDATE SKIP LOCKED (only those: never its slack), and the
 * candidates' limited deployment rows are locked in id order before their runs are counted, since
 * one deployment's runs can sit in several pools. On SQLite the write lock taken up front
 * serialises claimers. Limits are derived from the runs themselves, so no counter can leak.
 */
import { type SQL, and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor, Row } from '../dialect/dialect.js';
import { pgArrayLiteral } from '../dialect/postgres/fragments.js';
import { NotFoundError } from '../errors.js';
import {
  type QueueTake,
  claimOrderQuery,
  dueConditions,
  firstInClaimOrder,
  limitedCandidates,
} from './claim-candidates.js';
import {
  DEPLOYMENT_LIMITED,
  type LimitedDeployment,
  claimColumns,
  firstDueOfQueue,
  limitedDueDeployments,
} from './claim-statements.js';
import {
  type DeploymentLimit,
  MAX_CANCELLATIONS,
  countActive,
  isCancelNew,
  readDeployments,
} from './claim-limits.js';
import { type PolledQueue, readPoolAndQueues, readQueues } from './claim-pool-read.js';
import type { RepositoryContext } from './context.js';
import { type FlowRun, FlowRunRepository } from './flow-runs.js';
import { markPolled, pollMarksAlongside, recordHeartbeat } from './polling.js';
import { type WorkPool, lockPoolByName } from './work-pools.js';
import { entityName, time, wholeNumber } from './validation.js';

export { ACTIVE_STATES, MAX_CANCELLATIONS } from './claim-limits.js';
const CANDIDATE_SLACK = 20;
/** Candidate reads of one claim beside limited deployments, at most (each `limit` + slack runs). */
const MAX_CANDIDATE_ROUNDS = 8;

export const claimOptions = z.strictObject({
  workPoolName: entityName(['work_pool', 'name']),
  workQueueNames: z
    .array(entityName(['work_queue', 'name']))
    // An empty list would poll no queue, forever: a worker configured with none means all of them.
    .min(1, { error: 'must name at least one queue; leave it out to poll every queue of the pool' })
    .max(1000)
    .optional(),
  workerName: entityName(['worker', 'name']).optional(),
  limit: wholeNumber(0, 10_000),
  scheduledBefore: time.optional(),
});
export type ClaimOptions = z.input<typeof claimOptions>;
type Options = z.output<typeof claimOptions>;

type RunRow = typeof import('../schema/postgres/runs.js').flowRun.$inferSelect;

/** A locked candidate: claimColumns when claiming (the UPDATE returns the rest), else the whole row. */
type ClaimRow = Pick<RunRow, 'id' | 'workQueueId' | 'deploymentId' | 'nextScheduledStartTime'> & Row;

const dialectOf = (ctx: RepositoryContext) => ({ fragments: ctx.fragments, dialectName: ctx.dialect.name });

interface Plan {
  pool: WorkPool;
  polledQueueIds: string[];
  claim: ClaimRow[];
  cancel: ClaimRow[];
}

async function plan(ctx: RepositoryContext, q: Executor, o: Options, locking: boolean): Promise<Plan> {
  const fr = ctx.tables.flowRun;
  const rowLocks = locking && ctx.rowLocking;
  const before = o.scheduledBefore ?? new Date();
  // SQLite: the write lock, taken at BEGIN, already serialises claimers.
  let pool: WorkPool;
  let queues: PolledQueue[];
  // On PostgreSQL, read with the pool: the limited deployments with due runs in the polled queues
  // and, claiming, the first polled queue's runs, locked (readPoolAndQueues).
  let limitedDue: LimitedDeployment[] | undefined;
  let firstQueue: Row[] | undefined;
  if (locking && !ctx.rowLocking) {
    pool = await lockPoolByName(ctx, q, o.workPoolName);
    queues = await readQueues(ctx, q, pool.id);
  } else {
    const probe = { before, names: o.workQueueNames, first: rowLocks ? o.limit : undefined };
    const read = await readPoolAndQueues(ctx, q, o.workPoolName, probe);
    ({ pool, queues, limited: limitedDue, firstQueue } = read);
  }
  // The pool row is locked only where a pool or queue limit is counted: claimers of one pool take
  // turns to count its slots. Without such limits they only skip each other's runs (SKIP LOCKED),
  // as pg-boss's fetchers do: 16 claimers on one pool drained 475 runs/s in turns against pg-boss's
  // 1,537 (issue 13, claim-drain-16). Locked, the pool and its queues are read again: the limits
  // that count are the ones under the lock. A limit set after the unlocked read commits after
  // this claim chose its runs, so the claim orders before it (as for deployment limits).
  if (
    rowLocks &&
    (pool.concurrencyLimit !== null || queues.some((queue) => queue.concurrencyLimit !== null))
  ) {
    pool = await lockPoolByName(ctx, q, o.workPoolName);
    queues = await readQueues(ctx, q, pool.id);
    // Read again below, for the queues as they are under the lock.
    limitedDue = undefined;
  }
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

  // Counted only where a limit needs the number: a pool limit counts every queue of the pool,
  // paused ones included. Pausing a queue stops new work there; its running runs still occupy the
  // pool (a fresh user's trial: pausing a queue let a pool of 2 run 4).
  const counted =
    pool.concurrencyLimit !== null ? queues : targets.filter((t) => t.concurrencyLimit !== null);
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
  /** Due runs of limited CANCEL_NEW deployments. */
  const cancelIds: string[] = [];
  let candidates: ClaimRow[] = [];

  // The limited deployments with due runs in the polled queues, read from the (few) limited
  // deployments: their runs need per-deployment caps, and CANCEL_NEW ones cancellations.
  const targetIds = targets.map((queue) => queue.id);
  const limits = new Map<string, DeploymentLimit>();
  for (const row of limitedDue ?? (await limitedDueDeployments(ctx, q, targetIds, before)))
    limits.set(row.id, { limit: row.limit, options: row.options });

  // The locking read (FOR UPDATE SKIP LOCKED of the runs on PostgreSQL): on the claiming path only
  // the columns the claim and its transition read (claimColumns), and whether the run's deployment
  // has a limit now.
  const dep = ctx.tables.deployment;
  // `first`: only the first rows in that order. Under SKIP LOCKED the LIMIT counts the rows locked,
  // so the read locks exactly the runs it returns: a claim running beside another takes the next
  // runs, not the ones the other read and left (a fresh user's trial: two claims of 5 from 100 due
  // runs got 5 and 0, each having locked its 20 rows of slack).
  const lockDue = async (where: SQL, first?: { order: SQL[]; count: number }): Promise<ClaimRow[]> => {
    const columns = locking ? claimColumns(fr) : getTableColumns(fr);
    const deploymentLimited = sql<unknown>`exists (select 1 from ${dep} where ${dep.id} = ${fr.deploymentId} and ${dep.concurrencyLimit} is not null)`;
    let query = q
      .select({ ...columns, [DEPLOYMENT_LIMITED]: deploymentLimited })
      .from(fr)
      .where(and(where, dueConditions(fr, before)))
      .$dynamic();
    if (first) query = query.orderBy(...first.order).limit(first.count);
    if (rowLocks) query = query.for('update', { of: fr, skipLocked: true });
    return unlimitedOrRead((await query) as Row[]);
  };
  // A due run of a limited deployment that the read above did not see (it became due by a commit
  // in between, e.g. a scheduler's new run) is left for the next claim: its deployment's limit was
  // neither locked nor counted here.
  const unlimitedOrRead = (rows: Row[]): ClaimRow[] => {
    const out: ClaimRow[] = [];
    for (const row of rows) {
      const limited = row[DEPLOYMENT_LIMITED] === true || row[DEPLOYMENT_LIMITED] === 1;
      delete row[DEPLOYMENT_LIMITED];
      if (!limited || limits.has(row.deploymentId as string)) out.push(row as ClaimRow);
    }
    return out;
  };

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
    for (const row of cancelNewRuns) cancelIds.push(row.id);
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
    // The first `total` runs in claim order of the queues' `takes`, leaving out limited
    // deployments' runs and those already tried; built only by the paths that read it.
    const claimOrder = (queues: QueueTake[], total: number, exclude: string[] = []) =>
      claimOrderQuery(dialectOf(ctx), fr, { queues, before, limited: [...limits.keys()], total, exclude });
    const inClaimOrder = (query: SQL) =>
      sql`${fr.id} in (select orion_claim.id from (${query}) as orion_claim)`;
    if (limits.size === 0 && (rowLocks || ctx.dialect.name === 'sqlite')) {
      // No limited deployment has due runs here (most claims): queue by queue in claim order, each
      // read taking only what the claim still needs, from the partial claim index (a short index
      // range; usually the first queue fills the claim). On PostgreSQL each read locks exactly the
      // runs it returns (lockDue's `first`). On SQLite, which sorts a UNION ALL whole before its
      // LIMIT, this is also the fast way to read in claim order.
      // Claiming, the read is a statement compiled once (claim-statements.ts); findScheduledRuns
      // (SQLite) reads whole rows through lockDue.
      const order = [asc(fr.nextScheduledStartTime), asc(fr.id)];
      for (const queue of targets) {
        const count = Math.min(slots - candidates.length, queueFree.get(queue.id)!);
        if (count <= 0) continue;
        // The first target queue's first `count` (= `o.limit`) runs came locked with the pool read.
        const early = firstQueue && queue === targets[0] ? unlimitedOrRead(firstQueue) : undefined;
        firstQueue = undefined;
        const first =
          early ??
          (locking
            ? unlimitedOrRead(
                await firstDueOfQueue(ctx, q, { queueId: queue.id, before, count, lock: rowLocks }),
              )
            : await lockDue(eq(fr.workQueueId, queue.id), { order, count }));
        candidates.push(...first);
        if (candidates.length >= slots) break;
      }
    } else if (limits.size === 0) {
      // Reading without locks (getScheduledRuns on PostgreSQL): the first runs in claim order in
      // one statement, a LATERAL top-k per queue that stops once the claim is covered.
      if (takes.length > 0)
        candidates = await lockDue(inClaimOrder(claimOrder(takes, slots + CANDIDATE_SLACK)));
    } else {
      const active = await countActive(q, ctx, 'deploymentId', [...limits.keys()]);
      const caps = new Map<string, number>();
      for (const [id, d] of limits) {
        // CANCEL_NEW deployments were read above, whatever their room.
        if (!isCancelNew(d)) caps.set(id, d.limit! - (active.get(id) ?? 0));
      }
      // Read first (FOR UPDATE refuses window functions), then locked by id: of the candidates,
      // only the first still needed in claim order that no one else holds, so the slack is read,
      // never held. On PostgreSQL concurrent claims read the same candidates: when those run out
      // before the claim is full, it reads the next ones, leaving out the runs it tried (a fresh
      // user's 12 claims of 5 beside one limited deployment shared 25 runs a round, most got none).
      const ranks = pgArrayLiteral(targets.map((queue) => queue.id));
      const claimOrderFirst = (count: number) =>
        rowLocks
          ? {
              order: [
                sql`array_position(${ranks}::text::uuid[], ${fr.workQueueId})`,
                asc(fr.nextScheduledStartTime),
                asc(fr.id),
              ],
              count,
            }
          : undefined;
      const tried: string[] = [];
      const byQueue = new Map<string, number>();
      let need = slots;
      for (let round = 1; need > 0; round++) {
        const roundTakes = takes
          .map((t) => ({ id: t.id, take: t.take - (byQueue.get(t.id) ?? 0) }))
          .filter((t) => t.take > CANDIDATE_SLACK);
        const found = await limitedCandidates(ctx, q, {
          takes: roundTakes,
          caps,
          claimOrder: claimOrder(roundTakes, need + CANDIDATE_SLACK, tried),
          before,
          exclude: tried,
        });
        const ids = firstInClaimOrder(found, queueRank, roundTakes, need + CANDIDATE_SLACK);
        if (ids.length === 0) break;
        const locked = await lockDue(ctx.fragments.inList(fr.id, ids, 'uuid'), claimOrderFirst(need));
        candidates.push(...locked);
        tried.push(...ids);
        need -= locked.length;
        for (const run of locked) {
          byQueue.set(run.workQueueId!, (byQueue.get(run.workQueueId!) ?? 0) + 1);
          const cap = run.deploymentId ? caps.get(run.deploymentId) : undefined;
          if (cap !== undefined) caps.set(run.deploymentId!, cap - 1);
        }
        // The candidates ran out, or SQLite (nobody else holds a row), or enough rounds.
        if (!rowLocks || ids.length < need + locked.length + CANDIDATE_SLACK || round >= MAX_CANDIDATE_ROUNDS)
          break;
      }
    }
  }
  // Runs locked by the pool read are taken above (its conditions are the plan's), never left held.
  if (firstQueue?.length) throw new Error('claim: runs locked with the pool read were not taken');
  // Every CANCEL_NEW run read is locked (each is cancelled or claimed).
  if (cancelIds.length > 0)
    candidates.push(...(await lockDue(ctx.fragments.inList(fr.id, cancelIds, 'uuid'))));
  if (candidates.length === 0) return empty;
  candidates.sort(
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

  const claim: ClaimRow[] = [];
  const cancel: ClaimRow[] = [];
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
  // Read without locking: whole rows (lockDue).
  return claim.map((row) => runs.present(row as RunRow, now));
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
  const now = new Date();
  // PostgreSQL: the marks go in the claim's write statement (one round trip instead of three).
  const marks =
    ctx.dialect.capabilities.writableCte && p.claim.length > 0 && p.polledQueueIds.length > 0
      ? pollMarksAlongside(ctx, q, p.polledQueueIds, now)
      : undefined;
  // Nothing after the write (no cancellations, marks in it, no heartbeat): COMMIT may go with it.
  const last = marks !== undefined && p.cancel.length === 0 && !o.workerName;
  const claimed = await runs.transitionLocked(q, p.claim, { type: 'PENDING' }, marks, last);
  await runs.transitionLocked(q, p.cancel, {
    type: 'CANCELLED',
    message: 'Deployment concurrency limit reached (collision strategy CANCEL_NEW)',
  });
  if (!marks) await markPolled(ctx, q, p.polledQueueIds, now);
  if (o.workerName) await recordHeartbeat(ctx, q, p.pool, o.workerName, undefined, now);
  return claimed;
}
