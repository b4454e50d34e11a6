/**
 * The auto-scheduled runs nobody has claimed, and what a change to their deployment or schedule
 * does to them (semantics.md §5, "Which runs go"; docs/work.md, "What a redeploy, an update or a
 * pause does to runs").
 */
import { type SQL, and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import type { deployment } from '../schema/postgres/deployments.js';
import type { RepositoryContext } from './context.js';
import { AUTO_SCHEDULED_TAG, scheduleKeyPrefix } from './scheduler.js';
import { isScheduled } from './claim-candidates.js';

type DeploymentRow = typeof deployment.$inferSelect;

/** JSON with sorted keys and without null/undefined members, so equal values compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, member]) => member !== null && member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

/**
 * The deployment's auto-scheduled runs nobody has claimed: still SCHEDULED, never started, and
 * never out of SCHEDULED (a run claimed, then set back to SCHEDULED before it ran, such as
 * `AwaitingRetry`, was claimed: it stays, as its instant's idempotency key does). Prefect's
 * `_delete_scheduled_runs` keeps only `AwaitingConcurrencySlot` of those; the history is the
 * general test.
 */
function unclaimedAutoRuns(ctx: RepositoryContext, deploymentId: string): SQL {
  const { flowRun: fr, flowRunState: frs } = ctx.tables;
  return and(
    eq(fr.deploymentId, deploymentId),
    isScheduled(fr),
    eq(fr.autoScheduled, true),
    isNull(fr.startTime),
    eq(fr.runCount, 0),
    sql`not exists (select 1 from ${frs} where ${frs.flowRunId} = ${fr.id} and ${frs.type} <> 'SCHEDULED')`,
    // Its current state is one this statement can see. A claim and a move back to SCHEDULED that
    // both commit after the statement's snapshot leave the row SCHEDULED when PostgreSQL re-checks
    // it after waiting on the row lock, but with the history rows invisible to the line above; the
    // new current state is invisible too, so the run is left alone, not deleted. (SQLite: one writer.)
    sql`exists (select 1 from ${frs} where ${frs.id} = ${fr.stateId})`,
  )!;
}

/** The runs one schedule made, by their idempotency key (`scheduled <deployment> <schedule> <instant>`). */
function ofSchedule(ctx: RepositoryContext, deploymentId: string, scheduleId: string): SQL {
  const key = ctx.tables.flowRun.idempotencyKey;
  const prefix = scheduleKeyPrefix(deploymentId, scheduleId);
  // substr, not LIKE: no pattern characters, no collation, the same on both dialects.
  return sql`substr(${key}, 1, ${prefix.length}) = ${prefix}`;
}

/**
 * Deletes the deployment's auto-scheduled runs nobody has claimed. With `after`, only those
 * scheduled later than it: a redeploy or an update keeps late runs (they are owed), a pause takes
 * them all (as Prefect's pause does). With `scheduleId`, only the runs that schedule made (a
 * schedule deactivated, changed or deleted).
 */
export async function deleteUnclaimedAutoRuns(
  ctx: RepositoryContext,
  q: Executor,
  deploymentId: string,
  after: Date | undefined,
  scheduleId?: string,
): Promise<void> {
  const fr = ctx.tables.flowRun;
  await q
    .delete(fr)
    .where(
      and(
        unclaimedAutoRuns(ctx, deploymentId),
        after ? gt(fr.nextScheduledStartTime, after) : undefined,
        scheduleId ? ofSchedule(ctx, deploymentId, scheduleId) : undefined,
      ),
    );
}

/**
 * Gives the deployment's unclaimed auto-scheduled runs that stay (the late ones, after the future
 * ones were deleted) what they inherit now: queue, version, job variables, labels, tags and the
 * parameters (the deployment's merged with their schedule's, the deployment's alone when their
 * schedule is gone). A late run is owed and stays (semantics.md §5), but a worker must claim it
 * from the deployment's queue with its values, not from a queue it left (docs/work.md).
 */
export async function refreshUnclaimedAutoRuns(
  ctx: RepositoryContext,
  q: Executor,
  dep: DeploymentRow,
  now: Date,
): Promise<void> {
  const { flowRun: fr, deploymentSchedule: s } = ctx.tables;
  await q
    .update(fr)
    .set({
      workQueueId: dep.workQueueId,
      workQueueName: dep.workQueueName,
      deploymentVersion: dep.version,
      jobVariables: dep.jobVariables,
      labels: dep.labels,
      tags: [...new Set([...dep.tags, AUTO_SCHEDULED_TAG])],
      parameters: dep.parameters,
      updated: now,
    })
    .where(unclaimedAutoRuns(ctx, dep.id));
  const schedules = await q
    .select({ id: s.id, parameters: s.parameters })
    .from(s)
    .where(eq(s.deploymentId, dep.id));
  for (const schedule of schedules) {
    if (Object.keys(schedule.parameters).length === 0) continue;
    await q
      .update(fr)
      .set({ parameters: { ...dep.parameters, ...schedule.parameters } })
      .where(and(unclaimedAutoRuns(ctx, dep.id), ofSchedule(ctx, dep.id, schedule.id)));
  }
}

/**
 * What a change to the deployment does to its unclaimed auto-scheduled runs (semantics.md §5):
 * paused, all go; otherwise, when `stale`, the future ones go (regenerated by the next
 * scheduleRuns / scheduleDue) and the late ones take the new values.
 */
export async function settleAutoRuns(
  ctx: RepositoryContext,
  q: Executor,
  dep: DeploymentRow,
  stale: boolean,
  now: Date,
): Promise<void> {
  if (dep.paused) return deleteUnclaimedAutoRuns(ctx, q, dep.id, undefined);
  if (!stale) return;
  await deleteUnclaimedAutoRuns(ctx, q, dep.id, now);
  await refreshUnclaimedAutoRuns(ctx, q, dep, now);
}
