import { and, asc, count, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Schedule } from '../schema/json-types.js';
import type { deployment, deploymentSchedule } from '../schema/postgres/deployments.js';
import { canonicalJson, deleteUnclaimedAutoRuns, refreshUnclaimedAutoRuns } from './auto-runs.js';
import type { RepositoryContext } from './context.js';
import { validateScheduleParameters } from './parameter-schema.js';
import type { FlowRun } from './flow-runs.js';
import { scheduleKey, scheduleSchema } from './schedules.js';
import { insertScheduledRuns, presentScheduled } from './scheduler.js';
import { entityName, jsonObject, parse, time, uuid, wholeNumber } from './validation.js';

type Deployment = typeof deployment.$inferSelect;
export type DeploymentSchedule = typeof deploymentSchedule.$inferSelect;

export const scheduleInput = z.strictObject({
  schedule: scheduleSchema,
  active: z.boolean().optional(),
  maxScheduledRuns: wholeNumber(1, 10_000, ' (null: no cap of its own)').nullable().optional(),
  parameters: jsonObject.optional(),
  slug: entityName(['deployment_schedule', 'slug']).nullable().optional(),
});
const schedulePatch = scheduleInput.partial();

/** A deployment has at most this many schedules (a list given at once; what `schedules.create` adds). */
export const MAX_SCHEDULES_PER_DEPLOYMENT = 100;

/**
 * Schedules given together: at most MAX_SCHEDULES_PER_DEPLOYMENT, slugs unique among them (a repeat is a ValidationError
 * naming it, the same on both dialects, rather than the unique index's ConflictError).
 */
export const scheduleList = z
  .array(scheduleInput)
  .max(MAX_SCHEDULES_PER_DEPLOYMENT)
  .superRefine((schedules, ctx) => {
    const seen = new Set<string>();
    schedules.forEach((schedule, i) => {
      if (!schedule.slug) return;
      if (seen.has(schedule.slug))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'slug'],
          message: `slug "${schedule.slug}" is given twice`,
        });
      seen.add(schedule.slug);
    });
  });
const scheduleRunsOptions = z.strictObject({
  start: time.optional(),
  end: time.optional(),
  max: wholeNumber(0, 10_000).optional(),
});

export type ScheduleInput = z.input<typeof scheduleInput>;
export type ScheduleRunsOptions = z.input<typeof scheduleRunsOptions>;

/** Prefect's defaults for the scheduler: at most 100 runs per schedule, 100 days ahead. */
export const DEFAULT_MAX_SCHEDULED_RUNS = 100;
export const DEFAULT_SCHEDULING_HORIZON_DAYS = 100;

/** Inserts schedules for a deployment (used by upsert and schedules.create). */
export async function insertSchedules(
  ctx: RepositoryContext,
  q: Executor,
  deploymentId: string,
  schedules: z.output<typeof scheduleInput>[],
  now: Date,
): Promise<DeploymentSchedule[]> {
  if (schedules.length === 0) return [];
  const s = ctx.tables.deploymentSchedule;
  return q
    .insert(s)
    .values(
      schedules.map((input) => ({
        deploymentId,
        schedule: input.schedule as Schedule,
        active: input.active ?? true,
        maxScheduledRuns: input.maxScheduledRuns ?? null,
        parameters: input.parameters ?? {},
        slug: input.slug ?? null,
        created: now,
        updated: now,
      })),
    )
    .returning();
}

/** Whether a schedule's runs made before the change are stale after it (anything but its slug or activation). */
function scheduleChanged(before: DeploymentSchedule, after: DeploymentSchedule): boolean {
  return (
    (before.active && !after.active) ||
    scheduleKey(before.schedule) !== scheduleKey(after.schedule) ||
    canonicalJson(before.parameters) !== canonicalJson(after.parameters) ||
    before.maxScheduledRuns !== after.maxScheduledRuns
  );
}

/** The future unclaimed runs of the schedule go; the deployment's late ones take its current values. */
async function settleScheduleRuns(
  ctx: RepositoryContext,
  q: Executor,
  dep: Deployment,
  scheduleId: string,
  now: Date,
): Promise<void> {
  await deleteUnclaimedAutoRuns(ctx, q, dep.id, now, scheduleId);
  await refreshUnclaimedAutoRuns(ctx, q, dep, now);
}

/** A deployment's schedules, and the scheduled runs generated from them. */
export class DeploymentSchedules {
  constructor(private readonly ctx: RepositoryContext) {}

  private get t() {
    return this.ctx.tables.deployment;
  }

  private async assertDeployment(q: Executor, deploymentId: string): Promise<Deployment> {
    const [row] = await q.select().from(this.t).where(eq(this.t.id, deploymentId));
    if (!row) throw new NotFoundError('deployment', deploymentId);
    return row;
  }

  /**
   * The deployment, locked until the transaction ends (PostgreSQL; SQLite's write lock already
   * serialises). Scheduling holds it while it writes runs, so a concurrent delete or redeploy,
   * which locks it too, either runs first (and scheduling finds it gone or changed) or runs after
   * and sees every run scheduling wrote — never leaving runs of a deleted deployment or a replaced
   * schedule behind.
   */
  private async lockDeployment(q: Executor, deploymentId: string): Promise<Deployment> {
    let query = q.select().from(this.t).where(eq(this.t.id, deploymentId)).$dynamic();
    if (this.ctx.rowLocking) query = query.for('update');
    const [row] = await query;
    if (!row) throw new NotFoundError('deployment', deploymentId);
    return row;
  }

  /**
   * See the DeploymentSchedules interface (src/public). The cap is counted under the deployment's
   * lock (PostgreSQL; SQLite's write lock serialises): two creates each within the room alone
   * must not both pass it.
   */
  async create(id: string, schedules: ScheduleInput[]): Promise<DeploymentSchedule[]> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const valid = parse(scheduleList, schedules, 'schedules');
    const s = this.ctx.tables.deploymentSchedule;
    return this.ctx.transaction(async (q) => {
      const dep = await this.lockDeployment(q, deploymentId);
      const [stored] = await q.select({ n: count() }).from(s).where(eq(s.deploymentId, deploymentId));
      const n = Number(stored?.n ?? 0);
      if (n + valid.length > MAX_SCHEDULES_PER_DEPLOYMENT) {
        throw new ConflictError(
          'deployment schedule',
          'max_schedules_per_deployment',
          `Deployment ${deploymentId} has ${n} schedules; ${valid.length} more would pass the cap of ${MAX_SCHEDULES_PER_DEPLOYMENT} per deployment (room for ${MAX_SCHEDULES_PER_DEPLOYMENT - n})`,
        );
      }
      validateScheduleParameters(dep, valid, (i) => [i]);
      return insertSchedules(this.ctx, q, deploymentId, valid, new Date());
    });
  }

  async list(id: string): Promise<DeploymentSchedule[]> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const s = this.ctx.tables.deploymentSchedule;
    return this.ctx.run(async (q) => {
      await this.assertDeployment(q, deploymentId);
      return q.select().from(s).where(eq(s.deploymentId, deploymentId)).orderBy(asc(s.created), asc(s.id));
    });
  }

  /**
   * Updates one schedule. A change to what its runs come from (`schedule`, `parameters`,
   * `maxScheduledRuns`, or deactivating it) deletes the future auto-scheduled runs it made that
   * nobody has claimed, as `deployments.update` does; the next `scheduleRuns` / `scheduleDue`
   * regenerates them. Its late runs stay and take the new parameters (docs/work.md).
   * @throws NotFoundError when the deployment or the schedule (of that deployment) does not exist;
   *   ValidationError on bad input; ConflictError when the slug is taken in the deployment.
   * @example await db.deployments.schedules.update(deploymentId, scheduleId, { active: false })
   */
  async update(id: string, scheduleId: string, patch: Partial<ScheduleInput>): Promise<DeploymentSchedule> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const sid = parse(uuid, scheduleId, 'schedule id');
    const data = parse(schedulePatch, patch, 'schedule update');
    const s = this.ctx.tables.deploymentSchedule;
    return this.ctx.transaction(async (q) => {
      // The deployment's lock first, as scheduling takes it: no run of the old schedule is written
      // after the delete below.
      const dep = await this.lockDeployment(q, deploymentId);
      const [before] = await q
        .select()
        .from(s)
        .where(and(eq(s.id, sid), eq(s.deploymentId, deploymentId)));
      if (!before) throw new NotFoundError('deployment schedule', sid);
      if (data.parameters !== undefined) validateScheduleParameters(dep, [data], () => []);
      const now = new Date();
      const [row] = await q
        .update(s)
        .set({ ...data, schedule: data.schedule as Schedule | undefined, updated: now })
        .where(eq(s.id, sid))
        .returning();
      if (scheduleChanged(before, row!)) await settleScheduleRuns(this.ctx, q, dep, sid, now);
      return row!;
    });
  }

  /**
   * Deletes one schedule and the future auto-scheduled runs it made that nobody has claimed; its
   * late runs stay (they are owed), claimed runs go on.
   * @throws NotFoundError when the deployment or the schedule (of that deployment) does not exist.
   */
  async delete(id: string, scheduleId: string): Promise<void> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const sid = parse(uuid, scheduleId, 'schedule id');
    const s = this.ctx.tables.deploymentSchedule;
    await this.ctx.transaction(async (q) => {
      const dep = await this.lockDeployment(q, deploymentId);
      const deleted = await q
        .delete(s)
        .where(and(eq(s.id, sid), eq(s.deploymentId, deploymentId)))
        .returning({ id: s.id });
      if (deleted.length === 0) throw new NotFoundError('deployment schedule', sid);
      await settleScheduleRuns(this.ctx, q, dep, sid, new Date());
    });
  }

  /** See DeploymentRepository.scheduleRuns. */
  async scheduleRuns(id: string, options: ScheduleRunsOptions = {}): Promise<FlowRun[]> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const o = parse(scheduleRunsOptions, options, 'scheduleRuns options');
    const callStart = o.start ?? new Date();
    // An end before the start is a mistake, not an empty window (end = start is one: [start, end)).
    if (o.end && o.end < callStart) {
      const message = `${o.end.toISOString()} is before start ${callStart.toISOString()}${o.start ? '' : ' (now)'}`;
      throw new ValidationError(`Invalid scheduleRuns options: end: ${message}`, [
        { path: ['end'], message },
      ]);
    }
    return this.ctx.transaction(async (q) => {
      const dep = await this.lockDeployment(q, deploymentId);
      if (dep.paused) return [];
      const now = new Date();
      const start = o.start ?? callStart;
      const end = o.end ?? new Date(start.getTime() + DEFAULT_SCHEDULING_HORIZON_DAYS * 86_400_000);
      const max = o.max ?? DEFAULT_MAX_SCHEDULED_RUNS;
      const ids = await insertScheduledRuns(this.ctx, q, dep, { start, end, max }, now);
      return presentScheduled(this.ctx, q, ids, now);
    });
  }
}
