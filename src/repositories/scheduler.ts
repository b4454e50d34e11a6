/**
 * Writing scheduled runs: the bulk insert behind `deployments.scheduleRuns`, and the scheduler loop
 * service `deployments.scheduleDue` (semantics.md §5, "Loop services"; Prefect's scheduler service
 * and its defaults: 3 to 100 runs, 1 hour to 100 days ahead).
 */
import { and, asc, count, eq, exists, gt, gte, not, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import type { deployment } from '../schema/postgres/deployments.js';
import type { RepositoryContext } from './context.js';
import { type FlowRun, FlowRunRepository } from './flow-runs.js';
import { scheduleInstants } from './schedules.js';
import { MAX_TIME, duration, parse, time, wholeNumber } from './validation.js';
import { isScheduled } from './claim-candidates.js';
import { AUTO_SCHEDULED_TAG, writeScheduledRuns } from './scheduled-runs/write.js';
import { turnIfDue } from '../dialect/event-loop-turns.js';

type Deployment = typeof deployment.$inferSelect;
export { AUTO_SCHEDULED_TAG };

/** The window a deployment is scheduled in, and Prefect's stopping rule inside it. */
export interface ScheduleWindow {
  start: Date;
  end: Date;
  /** At most this many runs per schedule. */
  max: number;
  /** Stop once a schedule has this many runs and one at or past `minUntil` (scheduleDue only). */
  minRuns?: number;
  minUntil?: Date;
}

type ScheduleRow = typeof import('../schema/postgres/deployments.js').deploymentSchedule.$inferSelect;

/** The instants one schedule should have runs at in the window, by Prefect's stopping rule. */
function plannedInstants(schedule: ScheduleRow, window: ScheduleWindow): Date[] {
  const instants = scheduleInstants(
    schedule.schedule,
    window.start,
    window.end,
    Math.min(window.max, schedule.maxScheduledRuns ?? window.max),
  );
  if (window.minRuns === undefined || window.minUntil === undefined) return instants;
  // Prefect's rule: stop as soon as both minimums hold (enough runs, and one far enough ahead).
  const { minRuns, minUntil } = window;
  const stop = instants.findIndex((at, i) => i + 1 >= minRuns && at >= minUntil);
  return stop >= 0 ? instants.slice(0, stop + 1) : instants;
}

/** The idempotency key of a schedule's runs up to the instant: which schedule made a run. */
export const scheduleKeyPrefix = (deploymentId: string, scheduleId: string) =>
  `scheduled ${deploymentId} ${scheduleId} `;
const runKey = (deploymentId: string, scheduleId: string, at: Date) =>
  `${scheduleKeyPrefix(deploymentId, scheduleId)}${at.toISOString()}`;

/** Which of `keys` runs of these flows already carry (flow_run's unique (flow_id, idempotency_key)). */
async function existingKeys(
  ctx: RepositoryContext,
  q: Executor,
  flowIds: string[],
  keys: string[],
): Promise<Set<string>> {
  const fr = ctx.tables.flowRun;
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += 1000) {
    // On an in-process driver the reads settle in microtasks: 10,000 keys must not hold the loop.
    await turnIfDue();
    const rows = await q
      .select({ key: fr.idempotencyKey })
      .from(fr)
      .where(
        and(
          ctx.fragments.inList(fr.flowId, flowIds, 'uuid'),
          ctx.fragments.inList(fr.idempotencyKey, keys.slice(i, i + 1000), 'text'),
        ),
      );
    for (const row of rows) found.add(row.key!);
  }
  return found;
}

/**
 * The deployments among `ids` that miss a run of their window, read without locks: a deployment
 * whose runs were all claimed stays "due" by Prefect's test but has nothing to add, and must not
 * take its lock (which claims take too) on every loop.
 */
async function missingRuns(
  ctx: RepositoryContext,
  ids: string[],
  window: (dep: string) => ScheduleWindow,
): Promise<string[]> {
  const { deployment: dep, deploymentSchedule: s } = ctx.tables;
  return ctx.run(async (q) => {
    const schedules = await q
      .select({ schedule: s, flowId: dep.flowId })
      .from(s)
      .innerJoin(dep, eq(dep.id, s.deploymentId))
      .where(and(ctx.fragments.inList(s.deploymentId, ids, 'uuid'), eq(s.active, true)));
    const wanted = new Map<string, string>();
    const flows = new Set<string>();
    for (const { schedule, flowId } of schedules) {
      flows.add(flowId);
      for (const at of plannedInstants(schedule, window(schedule.deploymentId)))
        wanted.set(runKey(schedule.deploymentId, schedule.id, at), schedule.deploymentId);
    }
    for (const key of await existingKeys(ctx, q, [...flows], [...wanted.keys()])) wanted.delete(key);
    return [...new Set(wanted.values())].sort();
  });
}

/**
 * Inserts the SCHEDULED runs of `dep`'s active schedules in the window, with their first state,
 * skipping instants whose idempotency key (`scheduled <deployment> <schedule> <instant>`) exists.
 * The caller holds the deployment's lock and has checked it is not paused. Returns the new ids.
 */
export async function insertScheduledRuns(
  ctx: RepositoryContext,
  q: Executor,
  dep: Deployment,
  window: ScheduleWindow,
  now: Date,
): Promise<string[]> {
  return (await insertScheduledBatches(ctx, q, dep, window, now, Number.POSITIVE_INFINITY)).ids;
}

/**
 * `insertScheduledRuns`, writing at most `maxBatches` insert batches (each within the bind limit and
 * MAX_STATEMENT_BYTES); `more` says whether missing runs were left for another call.
 */
async function insertScheduledBatches(
  ctx: RepositoryContext,
  q: Executor,
  dep: Deployment,
  window: ScheduleWindow,
  now: Date,
  maxBatches: number,
): Promise<{ ids: string[]; more: boolean }> {
  const s = ctx.tables.deploymentSchedule;
  const schedules = await q
    .select()
    .from(s)
    .where(and(eq(s.deploymentId, dep.id), eq(s.active, true)))
    .orderBy(asc(s.created), asc(s.id));
  const planned = schedules.flatMap((schedule) =>
    plannedInstants(schedule, window).map((at) => ({ schedule, at, key: runKey(dep.id, schedule.id, at) })),
  );
  // Re-read under the lock: a scheduler that found these runs missing before another one committed
  // them must not redo every insert (each a conflict, some waiting on the other's uncommitted rows).
  const taken = await existingKeys(
    ctx,
    q,
    [dep.flowId],
    planned.map((p) => p.key),
  );
  const missing = planned.filter((p) => !taken.has(p.key));
  return writeScheduledRuns(ctx, q, dep, missing, now, maxBatches);
}

/** The runs with these ids, in start-time order. */
export async function presentScheduled(
  ctx: RepositoryContext,
  q: Executor,
  ids: string[],
  now: Date,
): Promise<FlowRun[]> {
  if (ids.length === 0) return [];
  const fr = ctx.tables.flowRun;
  const runs = new FlowRunRepository(ctx);
  const out: FlowRun[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    await turnIfDue();
    const rows = await q
      .select()
      .from(fr)
      .where(ctx.fragments.inList(fr.id, ids.slice(i, i + 1000), 'uuid'));
    out.push(...rows.map((row) => runs.present(row, now)));
  }
  // A turn before the sort and the COMMIT behind it: on a SQLite file the COMMIT of 10,000 runs is
  // itself ~100 ms (the WAL checkpoint it triggers), and must not add to the last read's time.
  await turnIfDue();
  return out.sort(
    (a, b) =>
      a.nextScheduledStartTime!.getTime() - b.nextScheduledStartTime!.getTime() || (a.id < b.id ? -1 : 1),
  );
}

const scheduleDueOptions = z
  .strictObject({
    now: time.optional(),
    minRuns: wholeNumber(0, 10_000).optional(),
    maxRuns: wholeNumber(1, 10_000).optional(),
    minTime: duration.optional(),
    maxTime: duration.optional(),
    batchSize: wholeNumber(1, 1000).optional(),
  })
  .refine((o) => (o.minRuns ?? 3) <= (o.maxRuns ?? 100), {
    message: 'minRuns must not exceed maxRuns',
    path: ['minRuns'],
    // Only between two valid counts: a count out of bounds already has its one sentence.
    when: (payload) => payload.issues.length === 0,
  });
/**
 * Options of `deployments.scheduleDue`: `now` (a time; moves the window only), `minRuns` (3),
 * `maxRuns` (100), `minTime` ('1h'), `maxTime` ('100d'), durations as milliseconds or `'15s'`-style strings (semantics.md §2),
 * `batchSize` (100 deployments read a round; each is written in a transaction of its own).
 */
export type ScheduleDueOptions = z.input<typeof scheduleDueOptions>;

/** The first key of the scheduler's advisory locks (`pg_try_advisory_xact_lock(class, deployment)`). */
const SCHEDULER_LOCK_CLASS = 0x6f72_7363; // 'orsc'

/** A deployment id folded to the int4 second key of its scheduler lock (a collision only defers it). */
function deploymentLockKey(id: string): number {
  const hex = id.replace(/-/g, '');
  let key = 0;
  for (let i = 0; i < 32; i += 8) key ^= Number.parseInt(hex.slice(i, i + 8), 16);
  return key | 0;
}

/**
 * Writes one due deployment's missing runs, one insert batch (at most MAX_STATEMENT_BYTES) per
 * transaction: runs that copy megabytes of parameters each could otherwise make one transaction
 * of a gigabyte, and on SQLite hold the one write lock past every other writer's busy timeout (a
 * fresh user's trial: 696 runs of 1.5 MB, 19 s). Each transaction re-checks the deployment under
 * its lock and re-reads which runs exist, so a pause or redeploy between two of them is seen.
 */
async function scheduleOne(ctx: RepositoryContext, id: string, window: ScheduleWindow): Promise<FlowRun[]> {
  const created: FlowRun[] = [];
  for (;;) {
    const { runs, more } = await scheduleBatch(ctx, id, window);
    created.push(...runs);
    if (!more || runs.length === 0) return created;
  }
}

/**
 * One transaction of `scheduleOne`. On PostgreSQL a scheduler first takes the deployment's
 * scheduler lock without waiting and leaves the deployment when another scheduler holds it (that
 * one writes the same runs; the next loop sees them); then the row lock, which a pause, an update
 * or a claim may hold briefly. SQLite has one writer: its write lock serialises, and the re-read
 * under it finds what the previous writer committed.
 */
async function scheduleBatch(
  ctx: RepositoryContext,
  id: string,
  window: ScheduleWindow,
): Promise<{ runs: FlowRun[]; more: boolean }> {
  const dep = ctx.tables.deployment;
  return ctx.transaction(async (q) => {
    let locked = q
      .select()
      .from(dep)
      .where(
        and(
          eq(dep.id, id),
          // In the filter, not a statement of its own: the row is locked only when the scheduler
          // lock was free, so a scheduler never queues behind another one (only, briefly, behind a
          // pause, an update or a claim holding the row).
          ctx.rowLocking
            ? sql`pg_try_advisory_xact_lock(${SCHEDULER_LOCK_CLASS}::int, ${deploymentLockKey(id)}::int)`
            : undefined,
        ),
      )
      .$dynamic();
    if (ctx.rowLocking) locked = locked.for('update');
    const [row] = await locked;
    // No row: deleted, or another scheduler has it. Re-checked under the lock: a concurrent pause
    // or delete either ran before (seen here) or waits.
    if (!row || row.paused) return { runs: [], more: false };
    const written = new Date();
    const { ids, more } = await insertScheduledBatches(ctx, q, row, window, written, 1);
    return { runs: await presentScheduled(ctx, q, ids, written), more };
  });
}

/** See DeploymentRepository.scheduleDue. */
export async function scheduleDue(ctx: RepositoryContext, options: ScheduleDueOptions): Promise<FlowRun[]> {
  const o = parse(scheduleDueOptions, options, 'scheduleDue options');
  const minRuns = o.minRuns ?? 3;
  const maxRuns = o.maxRuns ?? 100;
  const minTime = o.minTime ?? 3_600_000;
  const maxTime = o.maxTime ?? 100 * 86_400_000;
  const batchSize = o.batchSize ?? 100;
  const { deployment: dep, deploymentSchedule: s, flowRun: fr } = ctx.tables;
  const created: FlowRun[] = [];
  let cursor: string | undefined;
  for (;;) {
    const now = new Date();
    const start = o.now ?? now;
    // Clamped to the last instant the library stores (semantics.md §2 "Times"): `now` near it plus
    // a long minTime is past what PostgreSQL's timestamptz takes as a bound.
    const minUntil = new Date(Math.min(start.getTime() + minTime, MAX_TIME.getTime()));
    const future = (from: Date) =>
      and(
        eq(fr.deploymentId, dep.id),
        isScheduled(fr),
        eq(fr.autoScheduled, true),
        gt(fr.nextScheduledStartTime, from),
      );
    // Set-based: the next batch of unpaused deployments with an active schedule that have fewer
    // than minRuns future auto-scheduled runs or none at or beyond start + minTime (Prefect's test).
    const due = await ctx.run((q) => {
      const futureCount = q.select({ n: count() }).from(fr).where(future(start));
      return q
        .select({ id: dep.id })
        .from(dep)
        .where(
          and(
            eq(dep.paused, false),
            cursor === undefined ? undefined : gt(dep.id, cursor),
            exists(
              q
                .select({ one: s.id })
                .from(s)
                .where(and(eq(s.deploymentId, dep.id), eq(s.active, true))),
            ),
            sql`((${futureCount}) < ${minRuns} or ${not(
              exists(
                q
                  .select({ one: fr.id })
                  .from(fr)
                  .where(and(future(start), gte(fr.nextScheduledStartTime, minUntil))),
              ),
            )})`,
          ),
        )
        .orderBy(asc(dep.id))
        .limit(batchSize);
    });
    if (due.length === 0) break;
    cursor = due[due.length - 1]!.id;
    const window = { start, end: new Date(start.getTime() + maxTime), max: maxRuns, minRuns, minUntil };
    const ids = await missingRuns(
      ctx,
      due.map((row) => row.id),
      () => window,
    );
    // One short transaction per deployment, never one across the batch: a call must not hold the
    // locks of many deployments while it writes their runs (concurrent schedulers queued behind
    // each other past the statement timeout).
    for (const id of ids) created.push(...(await scheduleOne(ctx, id, window)));
    if (due.length < batchSize) break;
  }
  return created;
}
