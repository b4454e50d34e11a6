/**
 * What a deployment does to its runs (semantics.md §5, "Which runs go"): the auto-scheduled runs a
 * redeploy, an update or a pause deletes, which fields a run inherits, and schedule identity
 * across an upsert.
 */
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import type { Schedule } from '../schema/json-types.js';
import type { deployment } from '../schema/postgres/deployments.js';
import type { RepositoryContext } from './context.js';
import { canonicalJson } from './auto-runs.js';
import { type scheduleInput, insertSchedules } from './deployment-schedules.js';
import { type FlowRun, FlowRunRepository, flowRunCreate } from './flow-runs.js';
import { validateParameters } from './parameter-schema.js';
import { scheduleKey } from './schedules.js';
import { parse, uuid } from './validation.js';

type DeploymentRow = typeof deployment.$inferSelect;

/** What a scheduled run copies from its deployment: a change to any of these makes future runs stale. */
const INHERITED = [
  'workQueueId',
  'workQueueName',
  'version',
  'parameters',
  'jobVariables',
  'tags',
  'labels',
] as const satisfies readonly (keyof DeploymentRow)[];

/** Whether `after` differs from `before` in anything a run inherits. */
export function inheritedChanged(before: DeploymentRow, after: DeploymentRow): boolean {
  return INHERITED.some((key) => canonicalJson(before[key]) !== canonicalJson(after[key]));
}

/**
 * Replaces a deployment's schedules keeping their identity (semantics.md §5): each new schedule
 * takes the id of the existing one with its slug, else of the first unmatched existing schedule
 * without a slug whose `schedule` is equal once its defaults are filled in (scheduleKey), in order; the rest are deleted or inserted.
 * Kept ids keep the idempotency keys of their runs (`scheduled <deployment> <schedule> <instant>`)
 * valid, so a redeploy never schedules an instant a second time.
 */
export async function replaceSchedules(
  ctx: RepositoryContext,
  q: Executor,
  deploymentId: string,
  schedules: z.output<typeof scheduleInput>[],
  now: Date,
): Promise<void> {
  const s = ctx.tables.deploymentSchedule;
  const existing = await q
    .select()
    .from(s)
    .where(eq(s.deploymentId, deploymentId))
    .orderBy(asc(s.created), asc(s.id));
  const unmatched = new Set(existing);
  const matches: [z.output<typeof scheduleInput>, (typeof existing)[number] | undefined][] = [];
  for (const input of schedules) {
    const key = scheduleKey(input.schedule as Schedule);
    const match = input.slug
      ? existing.find((row) => unmatched.has(row) && row.slug === input.slug)
      : existing.find((row) => unmatched.has(row) && row.slug === null && scheduleKey(row.schedule) === key);
    if (match) unmatched.delete(match);
    matches.push([input, match]);
  }
  // Deletes first, so a slug moving between schedules never meets itself in the unique index.
  for (const row of unmatched) await q.delete(s).where(eq(s.id, row.id));
  for (const [input, row] of matches) {
    if (!row) continue;
    await q
      .update(s)
      .set({
        schedule: input.schedule as Schedule,
        active: input.active ?? true,
        maxScheduledRuns: input.maxScheduledRuns ?? null,
        parameters: input.parameters ?? {},
        slug: input.slug ?? null,
        updated: now,
      })
      .where(eq(s.id, row.id));
  }
  const fresh = matches.filter(([, row]) => !row).map(([input]) => input);
  await insertSchedules(ctx, q, deploymentId, fresh, now);
}

const deploymentFlowRun = flowRunCreate
  .pick({
    name: true,
    parameters: true,
    jobVariables: true,
    tags: true,
    labels: true,
    state: true,
    idempotencyKey: true,
    context: true,
    empiricalPolicy: true,
    parentTaskRunId: true,
    createdBy: true,
  })
  .extend({ enforceParameterSchema: z.boolean().optional() });
/** Options of `deployments.createFlowRun`: what the run gets beyond what it inherits (docs/work.md). */
export type DeploymentFlowRunCreate = z.input<typeof deploymentFlowRun>;

/** See DeploymentRepository.createFlowRun. */
export async function createDeploymentFlowRun(
  ctx: RepositoryContext,
  id: string,
  options: DeploymentFlowRunCreate,
): Promise<FlowRun> {
  const deploymentId = parse(uuid, id, 'deployment id');
  const o = parse(deploymentFlowRun, options, 'deployment flow run');
  return ctx.transaction(async (q) => {
    const [dep] = await q
      .select()
      .from(ctx.tables.deployment)
      .where(eq(ctx.tables.deployment.id, deploymentId));
    if (!dep) throw new NotFoundError('deployment', deploymentId);
    const { enforceParameterSchema, ...rest } = o;
    const parameters = { ...dep.parameters, ...o.parameters };
    if (enforceParameterSchema ?? dep.enforceParameterSchema)
      validateParameters(dep.parameterOpenapiSchema, parameters);
    return new FlowRunRepository(ctx).create({
      ...rest,
      flowId: dep.flowId,
      deploymentId: dep.id,
      deploymentVersion: dep.version,
      // No name: create reads the queue's current one under a share lock (a rename may be running).
      workQueueId: dep.workQueueId,
      parameters,
      jobVariables: { ...dep.jobVariables, ...o.jobVariables },
      tags: [...new Set([...dep.tags, ...(o.tags ?? [])])],
      labels: o.labels === undefined ? dep.labels : { ...dep.labels, ...o.labels },
      state: o.state ?? { type: 'SCHEDULED' },
    });
  });
}
