import { type SQL, and, asc, count, eq, inArray, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import type { ConcurrencyOptions, CreatedBy } from '../schema/json-types.js';
import type { deployment } from '../schema/postgres/deployments.js';
import { rowById } from './by-id.js';
import type { RepositoryContext } from './context.js';
import { settleAutoRuns } from './auto-runs.js';
import { resolveQueue } from './deployment-queue.js';
import { compileParameterSchema, validateScheduleParameters } from './parameter-schema.js';
import {
  type DeploymentFlowRunCreate,
  createDeploymentFlowRun,
  inheritedChanged,
  replaceSchedules,
} from './deployment-runs.js';
import { DeploymentSchedules, type ScheduleRunsOptions, scheduleList } from './deployment-schedules.js';
import type { FlowRun } from './flow-runs.js';
import { type ScheduleDueOptions, scheduleDue } from './scheduler.js';
import { idConditions, idFilter, tagsConditions, tagsFilter, textConditions, textFilter } from './filters.js';
import { NAMED_ENTITY_SORTS, namedEntityOrder, paged } from './sorting.js';
import { columnsOf, readRows } from './table-rows.js';
import {
  entityName,
  json,
  jsonObject,
  labels,
  limit,
  name,
  offset,
  parse,
  tags,
  text,
  uuid,
  wholeNumber,
} from './validation.js';
import { isScheduled } from './claim-candidates.js';

export type Deployment = typeof deployment.$inferSelect;

const concurrencyOptions = z.strictObject({ collisionStrategy: z.enum(['ENQUEUE', 'CANCEL_NEW']) });
const createdBy = z.strictObject({
  id: name.nullable().optional(),
  type: name.nullable().optional(),
  displayValue: name.nullable().optional(),
});

const deploymentName = entityName(['deployment', 'name']);
const flowName = entityName(['flow', 'name']);

const deploymentFields = {
  version: name.nullable().optional(),
  description: text.nullable().optional(),
  /** The queue by id (as flow runs take it); not together with workPoolName / workQueueName. */
  workQueueId: uuid.nullable().optional(),
  workPoolName: entityName(['work_pool', 'name']).optional(),
  /** Stored in deployment.work_queue_name and looked up in work_queue.name, both indexed. */
  workQueueName: entityName(['deployment', 'work_queue_name'], ['work_queue', 'name']).nullable().optional(),
  path: text.nullable().optional(),
  entrypoint: text.nullable().optional(),
  parameters: jsonObject.optional(),
  parameterOpenapiSchema: json.optional(),
  enforceParameterSchema: z.boolean().optional(),
  jobVariables: jsonObject.optional(),
  pullSteps: json.optional(),
  tags: tags.optional(),
  labels: labels.nullable().optional(),
  paused: z.boolean().optional(),
  /**
   * At least 1; null means no limit. 0 is refused, as Prefect's DeploymentCreate/Update refuse it
   * (PositiveInteger): a limit that claims nothing reads as "no limit" or "paused" (docs/decisions.md).
   */
  concurrencyLimit: wholeNumber(1, 1_000_000, ' (null means no limit; pause the deployment to stop its runs)')
    .nullable()
    .optional(),
  concurrencyOptions: concurrencyOptions.nullable().optional(),
  createdBy: createdBy.nullable().optional(),
  updatedBy: createdBy.nullable().optional(),
};
const deploymentUpsert = z.strictObject({
  flowId: uuid,
  name: deploymentName,
  ...deploymentFields,
  /**
   * When given, replaces the schedules (at most 100 a deployment), each keeping its id when matched
   * by slug or equal schedule (defaults filled in).
   */
  schedules: scheduleList.optional(),
});
const deploymentUpdate = z.strictObject(deploymentFields);

export const deploymentWhere = z.strictObject({
  id: idFilter.optional(),
  name: textFilter.optional(),
  /** Matches the deployment's name or its flow's name. */
  flowOrDeploymentName: z.strictObject({ like: name }).optional(),
  paused: z.strictObject({ eq: z.boolean() }).optional(),
  tags: tagsFilter.optional(),
  workQueueName: textFilter.optional(),
  flowId: idFilter.optional(),
});
export const DEPLOYMENT_SORTS = NAMED_ENTITY_SORTS;
const deploymentList = z.strictObject({
  where: deploymentWhere.optional(),
  sort: z.enum(DEPLOYMENT_SORTS).optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});
export type { DeploymentFlowRunCreate };
export type DeploymentUpsert = z.input<typeof deploymentUpsert>;
export type DeploymentUpdate = z.input<typeof deploymentUpdate>;
export type DeploymentWhere = z.input<typeof deploymentWhere>;
export type DeploymentListOptions = z.input<typeof deploymentList>;

/** Deployments: upsert by flow + name, schedules, and generating scheduled runs from them. */
export class DeploymentRepository {
  /** A deployment's schedules: create, list, update, delete. */
  readonly schedules: DeploymentSchedules;

  constructor(private readonly ctx: RepositoryContext) {
    this.schedules = new DeploymentSchedules(ctx);
  }

  /**
   * Creates SCHEDULED runs from the deployment's active schedules in [start, end) (default: now to
   * 100 days ahead, at most `max` = 100 per schedule), in bulk. Idempotency keys make a second call
   * create nothing; returns the runs it created, in start-time order. A paused deployment gets none.
   * @throws ValidationError naming `end` when it is before `start` (or now); NotFoundError for a missing deployment.
   */
  scheduleRuns(id: string, options: ScheduleRunsOptions = {}): Promise<FlowRun[]> {
    return this.schedules.scheduleRuns(id, options);
  }

  /**
   * The scheduler loop service (Prefect's scheduler): finds, in batches of `batchSize` (100), the
   * unpaused deployments with an active schedule that have fewer than `minRuns` (3) future
   * auto-scheduled runs or none at or beyond `now + minTime` ('1h'), and creates their runs from
   * `now`: per schedule until it has `minRuns` runs and one at or past `now + minTime`, never more
   * than `maxRuns` (100) nor beyond `now + maxTime` ('100d'). Durations are milliseconds (a number) or strings such
   * as '15s', '1h', '100d'. `now` moves the window only; timestamps use the library clock. Each
   * deployment's runs are written in a short transaction of their own; a process leaves a
   * deployment another one is writing (PostgreSQL: a non-waiting advisory lock) and re-reads what is
   * missing under the lock, so processes calling it at once neither wait for each other nor create a
   * duplicate (the idempotency keys of scheduleRuns). Returns the runs created, per deployment in
   * start-time order. Call it every few seconds (docs/work.md, "Loop services").
   * @throws ValidationError on bad options.
   * @example setInterval(() => db.deployments.scheduleDue(), 10_000)
   */
  scheduleDue(options: ScheduleDueOptions = {}): Promise<FlowRun[]> {
    return scheduleDue(this.ctx, options);
  }

  private get t() {
    return this.ctx.tables.deployment;
  }

  /**
   * Starts a run of the deployment (Prefect's "create flow run from deployment"): it inherits the
   * deployment's flow, queue (and so pool), version and labels; `parameters` and `jobVariables` are
   * the deployment's merged with the given ones (given keys win); `tags` the union. State SCHEDULED
   * at now unless `state` says otherwise. With `enforceParameterSchema` (the deployment's, unless
   * given here) the merged parameters are validated against `parameterOpenapiSchema` (JSON Schema
   * 2020-12). Idempotent on `idempotencyKey` like `flowRuns.create`.
   * @throws NotFoundError when the deployment does not exist; ValidationError naming each bad
   *   parameter (`parameters.retries: must be integer`) or other bad input.
   * @example await db.deployments.createFlowRun(id, { parameters: { day: '2026-01-01' }, tags: ['backfill'] })
   */
  createFlowRun(id: string, options: DeploymentFlowRunCreate = {}): Promise<FlowRun> {
    return createDeploymentFlowRun(this.ctx, id, options);
  }

  /**
   * Each schedule's run parameters must fit one document and, with `enforceParameterSchema`,
   * satisfy the schema (the given schedules by their index, else the stored ones); a failure rolls
   * the write back.
   */
  private async checkScheduleParameters(
    q: Executor,
    row: Deployment,
    given: { parameters?: Record<string, unknown> }[] | undefined,
  ): Promise<void> {
    const s = this.ctx.tables.deploymentSchedule;
    const schedules =
      given ??
      (await q
        .select({ parameters: s.parameters })
        .from(s)
        .where(eq(s.deploymentId, row.id))
        .orderBy(asc(s.created), asc(s.id)));
    validateScheduleParameters(row, schedules, (i) => ['schedules', i]);
  }

  private static columns(data: z.output<typeof deploymentUpdate>) {
    const { workPoolName: _pool, workQueueName: _queue, workQueueId: _id, ...rest } = data;
    return {
      ...rest,
      createdBy: rest.createdBy as CreatedBy | null | undefined,
      updatedBy: rest.updatedBy as CreatedBy | null | undefined,
      concurrencyOptions: rest.concurrencyOptions as ConcurrencyOptions | null | undefined,
    };
  }

  /**
   * Creates or updates the deployment with this flow and name (a redeploy). With `schedules`, its
   * schedules are replaced, each keeping its id when matched by slug, else by an equal `schedule`
   * object (defaults filled in: `{ interval: 3600 }` is `{ interval: 3600, timezone: 'UTC' }`) in order (semantics.md §5), so the runs already made from it stay recognised. A redeploy
   * deletes the deployment's future auto-scheduled runs nobody has claimed (the next `scheduleRuns`
   * or `scheduleDue` regenerates them from the new values); late runs and claimed runs stay. A paused
   * deployment keeps no auto-scheduled run still SCHEDULED.
   * @throws NotFoundError when the flow, pool or queue does not exist; ValidationError on bad input,
   *   a parameterOpenapiSchema Ajv cannot compile, or (enforced) schedule parameters it refuses.
   * @example await db.deployments.upsert({ flowId, name: 'nightly', workPoolName: 'pool', schedules: [{ schedule: { cron: '0 2 * * *' } }] })
   */
  async upsert(input: DeploymentUpsert): Promise<Deployment> {
    const { schedules, ...data } = parse(deploymentUpsert, input, 'deployment');
    compileParameterSchema(data.parameterOpenapiSchema);
    return this.ctx.transaction(async (q) => {
      const { flow } = this.ctx.tables;
      const [found] = await q.select({ id: flow.id }).from(flow).where(eq(flow.id, data.flowId));
      if (!found) throw new NotFoundError('flow', data.flowId);
      const [existing] = await q
        .select({ workQueueId: this.t.workQueueId })
        .from(this.t)
        .where(and(eq(this.t.flowId, data.flowId), eq(this.t.name, data.name)));
      const queue = await resolveQueue(this.ctx, q, data, existing?.workQueueId);
      const now = new Date();
      const values = {
        ...DeploymentRepository.columns(data),
        ...queue,
        flowId: data.flowId,
        name: data.name,
        updated: now,
      };
      // The insert (or the conflict's update) locks the deployment row, as scheduling does.
      const [row] = await q
        .insert(this.t)
        .values({ ...values, created: now })
        .onConflictDoUpdate({ target: [this.t.flowId, this.t.name], set: values })
        .returning();
      if (schedules) await replaceSchedules(this.ctx, q, row!.id, schedules, now);
      await this.checkScheduleParameters(q, row!, schedules);
      // A redeploy always settles: its values or schedules may differ from what the runs carry.
      await settleAutoRuns(this.ctx, q, row!, true, now);
      return row!;
    });
  }

  async get(id: string): Promise<Deployment | null> {
    const deploymentId = parse(uuid, id, 'deployment id');
    return this.ctx.run(
      async (q) => (await rowById<Deployment>(this.ctx, q, 'deployment', this.t, deploymentId)) ?? null,
    );
  }

  async getByName(flow: string, deployment: string): Promise<Deployment | null> {
    const f = parse(flowName, flow, 'flow name');
    const d = parse(deploymentName, deployment, 'deployment name');
    const flowTable = this.ctx.tables.flow;
    return this.ctx.run(async (q) => {
      const [row] = await q
        .select({ deployment: this.t })
        .from(this.t)
        .innerJoin(flowTable, eq(flowTable.id, this.t.flowId))
        .where(and(eq(flowTable.name, f), eq(this.t.name, d)));
      return row?.deployment ?? null;
    });
  }

  private conditions(q: Executor, where: z.output<typeof deploymentWhere> | undefined): SQL[] {
    if (!where) return [];
    const f = this.ctx.fragments;
    const { flow } = this.ctx.tables;
    const out: SQL[] = [
      ...idConditions(this.t.id, where.id, f),
      ...idConditions(this.t.flowId, where.flowId, f),
      ...textConditions(this.t.name, where.name, f),
      ...tagsConditions(this.t.tags, where.tags, f),
      ...textConditions(this.t.workQueueName, where.workQueueName, f),
    ];
    if (where.paused) out.push(eq(this.t.paused, where.paused.eq));
    if (where.flowOrDeploymentName) {
      const like = where.flowOrDeploymentName.like;
      const flows = q.select({ id: flow.id }).from(flow).where(f.containsInsensitive(flow.name, like));
      out.push(or(f.containsInsensitive(this.t.name, like), inArray(this.t.flowId, flows))!);
    }
    return out;
  }

  async list(options: DeploymentListOptions = {}): Promise<Deployment[]> {
    const o = parse(deploymentList, options, 'deployment list options');
    const order = namedEntityOrder(this.t, o.sort);
    return this.ctx.run(async (q) => {
      let query = q
        .select()
        .from(this.t)
        .where(and(...this.conditions(q, o.where)))
        .orderBy(...order)
        .$dynamic();
      query = paged(query, o, this.ctx.fragments);
      return readRows<Deployment>(this.ctx, q, query, columnsOf(this.t));
    });
  }

  async count(options: { where?: DeploymentWhere } = {}): Promise<number> {
    const o = parse(
      z.strictObject({ where: deploymentWhere.optional() }),
      options,
      'deployment count options',
    );
    return this.ctx.run(async (q) => {
      const [row] = await q
        .select({ n: count() })
        .from(this.t)
        .where(and(...this.conditions(q, o.where)));
      return Number(row?.n ?? 0);
    });
  }

  /**
   * Updates the deployment. A change to anything a run inherits (queue, pool, version, parameters,
   * job variables, tags, labels) deletes its future auto-scheduled runs nobody has claimed, so they
   * are regenerated from the new values; late ones stay (semantics.md §5). Pausing deletes all its
   * auto-scheduled runs still SCHEDULED, late ones included; runs made by hand stay claimable.
   * @throws NotFoundError when the deployment, pool or queue does not exist; ValidationError on bad
   *   input, a parameterOpenapiSchema Ajv cannot compile, or (enforced) schedule parameters it refuses.
   */
  async update(id: string, patch: DeploymentUpdate): Promise<Deployment> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const data = parse(deploymentUpdate, patch, 'deployment update');
    compileParameterSchema(data.parameterOpenapiSchema);
    return this.ctx.transaction(async (q) => {
      // Locked first: a concurrent scheduleRuns either finishes before (and its runs are deleted
      // below) or starts after and sees the new values.
      let current = q.select().from(this.t).where(eq(this.t.id, deploymentId)).$dynamic();
      if (this.ctx.rowLocking) current = current.for('update');
      const [before] = await current;
      if (!before) throw new NotFoundError('deployment', deploymentId);
      const queue = await resolveQueue(this.ctx, q, data, before.workQueueId);
      const now = new Date();
      const [row] = await q
        .update(this.t)
        .set({ ...DeploymentRepository.columns(data), ...queue, updated: now })
        .where(eq(this.t.id, deploymentId))
        .returning();
      // What the schedules' runs get changes only with these (a schedule's own parameters are checked where it is written).
      if (
        data.parameters !== undefined ||
        data.parameterOpenapiSchema !== undefined ||
        data.enforceParameterSchema !== undefined
      )
        await this.checkScheduleParameters(q, row!, undefined);
      await settleAutoRuns(this.ctx, q, row!, inheritedChanged(before, row!), now);
      return row!;
    });
  }

  /**
   * Pauses the deployment: its auto-scheduled runs still SCHEDULED are deleted (late ones too, as
   * Prefect) and none are scheduled while paused; runs made by hand stay claimable.
   */
  pause(id: string): Promise<Deployment> {
    return this.update(id, { paused: true });
  }

  /** Resumes the deployment; schedules nothing by itself (`scheduleRuns` / `scheduleDue` do). */
  resume(id: string): Promise<Deployment> {
    return this.update(id, { paused: false });
  }

  /** Deletes the deployment and its SCHEDULED runs that never ran; other runs keep their history. */
  async delete(id: string): Promise<void> {
    const deploymentId = parse(uuid, id, 'deployment id');
    await this.ctx.transaction(async (q) => {
      // Lock the deployment first: scheduling holds the same lock while it writes runs, so the
      // runs deleted next include every run it wrote (PostgreSQL; SQLite's write lock serialises).
      let locked = q.select({ id: this.t.id }).from(this.t).where(eq(this.t.id, deploymentId)).$dynamic();
      if (this.ctx.rowLocking) locked = locked.for('update');
      if ((await locked).length === 0) throw new NotFoundError('deployment', deploymentId);
      const fr = this.ctx.tables.flowRun;
      await q
        .delete(fr)
        .where(
          and(eq(fr.deploymentId, deploymentId), isScheduled(fr), isNull(fr.startTime), eq(fr.runCount, 0)),
        );
      await q.delete(this.t).where(eq(this.t.id, deploymentId));
    });
  }
}
