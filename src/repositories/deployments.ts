import { type SQL, and, asc, count, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import type { ConcurrencyOptions, CreatedBy, Schedule } from '../schema/json-types.js';
import type { deployment, deploymentSchedule } from '../schema/postgres/deployments.js';
import type { RepositoryContext } from './context.js';
import { type FlowRun, FlowRunRepository } from './flow-runs.js';
import { idConditions, idFilter, tagsConditions, tagsFilter, textConditions, textFilter } from './filters.js';
import { generateRunName } from './names.js';
import { scheduleInstants, scheduleSchema } from './schedules.js';
import { NAMED_ENTITY_SORTS, namedEntityOrder } from './sorting.js';
import {
  json,
  jsonObject,
  labels,
  limit,
  name,
  offset,
  parse,
  tags,
  text,
  time,
  uuid,
} from './validation.js';

export type Deployment = typeof deployment.$inferSelect;
export type DeploymentSchedule = typeof deploymentSchedule.$inferSelect;

const scheduleInput = z.strictObject({
  schedule: scheduleSchema,
  active: z.boolean().optional(),
  maxScheduledRuns: z.number().int().min(1).max(10_000).nullable().optional(),
  parameters: jsonObject.optional(),
  slug: name.nullable().optional(),
});
const schedulePatch = scheduleInput.partial();
const concurrencyOptions = z.strictObject({ collisionStrategy: z.enum(['ENQUEUE', 'CANCEL_NEW']) });
const createdBy = z.strictObject({
  id: name.nullable().optional(),
  type: name.nullable().optional(),
  displayValue: name.nullable().optional(),
});

const deploymentFields = {
  version: name.nullable().optional(),
  description: text.nullable().optional(),
  workPoolName: name.optional(),
  workQueueName: name.nullable().optional(),
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
  concurrencyLimit: z.number().int().min(0).max(1_000_000).nullable().optional(),
  concurrencyOptions: concurrencyOptions.nullable().optional(),
  createdBy: createdBy.nullable().optional(),
  updatedBy: createdBy.nullable().optional(),
};
const deploymentUpsert = z.strictObject({
  flowId: uuid,
  name,
  ...deploymentFields,
  /** When given, replaces the schedules and deletes future auto-scheduled runs that never ran. */
  schedules: z.array(scheduleInput).max(100).optional(),
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
const scheduleRunsOptions = z.strictObject({
  start: time.optional(),
  end: time.optional(),
  max: z.number().int().min(0).max(10_000).optional(),
});

export type DeploymentUpsert = z.input<typeof deploymentUpsert>;
export type DeploymentUpdate = z.input<typeof deploymentUpdate>;
export type DeploymentWhere = z.input<typeof deploymentWhere>;
export type DeploymentListOptions = z.input<typeof deploymentList>;
export type ScheduleInput = z.input<typeof scheduleInput>;
export type ScheduleRunsOptions = z.input<typeof scheduleRunsOptions>;

/** Prefect's defaults for the scheduler: at most 100 runs per schedule, 100 days ahead. */
export const DEFAULT_MAX_SCHEDULED_RUNS = 100;
export const DEFAULT_SCHEDULING_HORIZON_DAYS = 100;
const AUTO_SCHEDULED_TAG = 'auto-scheduled';
const INSERT_CHUNK = 500;

/** Deployments: upsert by flow + name, schedules, and generating scheduled runs from them. */
export class DeploymentRepository {
  readonly schedules: {
    create(deploymentId: string, schedules: ScheduleInput[]): Promise<DeploymentSchedule[]>;
    list(deploymentId: string): Promise<DeploymentSchedule[]>;
    update(
      deploymentId: string,
      scheduleId: string,
      patch: Partial<ScheduleInput>,
    ): Promise<DeploymentSchedule>;
    delete(deploymentId: string, scheduleId: string): Promise<void>;
  };

  constructor(private readonly ctx: RepositoryContext) {
    this.schedules = {
      create: (id, schedules) => this.createSchedules(id, schedules),
      list: (id) => this.listSchedules(id),
      update: (id, scheduleId, patch) => this.updateSchedule(id, scheduleId, patch),
      delete: (id, scheduleId) => this.deleteSchedule(id, scheduleId),
    };
  }

  private get t() {
    return this.ctx.tables.deployment;
  }

  /** Resolves workPoolName/workQueueName to a queue: the named queue of the pool, else its default queue. */
  private async resolveQueue(
    q: Executor,
    data: { workPoolName?: string; workQueueName?: string | null },
  ): Promise<{ workQueueId?: string | null; workQueueName?: string | null }> {
    if (data.workPoolName === undefined)
      return data.workQueueName === undefined ? {} : { workQueueName: data.workQueueName };
    const { workPool: wp, workQueue: wq } = this.ctx.tables;
    const [pool] = await q.select().from(wp).where(eq(wp.name, data.workPoolName));
    if (!pool)
      throw new NotFoundError('work pool', data.workPoolName, `work pool "${data.workPoolName}" not found`);
    const where = data.workQueueName
      ? and(eq(wq.workPoolId, pool.id), eq(wq.name, data.workQueueName))
      : eq(wq.id, pool.defaultQueueId!);
    const [queue] = await q.select().from(wq).where(where);
    if (!queue)
      throw new NotFoundError(
        'work queue',
        data.workQueueName ?? 'default',
        `work queue "${data.workQueueName}" not found in pool "${pool.name}"`,
      );
    return { workQueueId: queue.id, workQueueName: queue.name };
  }

  private static columns(data: z.output<typeof deploymentUpdate>) {
    const { workPoolName: _pool, workQueueName: _queue, ...rest } = data;
    return {
      ...rest,
      createdBy: rest.createdBy as CreatedBy | null | undefined,
      updatedBy: rest.updatedBy as CreatedBy | null | undefined,
      concurrencyOptions: rest.concurrencyOptions as ConcurrencyOptions | null | undefined,
    };
  }

  /**
   * Creates or updates the deployment with this flow and name. With `schedules`, its schedules are
   * replaced and its future auto-scheduled runs that never ran are deleted.
   */
  async upsert(input: DeploymentUpsert): Promise<Deployment> {
    const { schedules, ...data } = parse(deploymentUpsert, input, 'deployment');
    return this.ctx.transaction(async (q) => {
      const { flow } = this.ctx.tables;
      const [found] = await q.select({ id: flow.id }).from(flow).where(eq(flow.id, data.flowId));
      if (!found) throw new NotFoundError('flow', data.flowId);
      const queue = await this.resolveQueue(q, data);
      const now = new Date();
      const values = {
        ...DeploymentRepository.columns(data),
        ...queue,
        flowId: data.flowId,
        name: data.name,
        updated: now,
      };
      const [row] = await q
        .insert(this.t)
        .values({ ...values, created: now })
        .onConflictDoUpdate({ target: [this.t.flowId, this.t.name], set: values })
        .returning();
      if (schedules) {
        await this.deleteUnstartedAutoRuns(q, row!.id, true);
        await q
          .delete(this.ctx.tables.deploymentSchedule)
          .where(eq(this.ctx.tables.deploymentSchedule.deploymentId, row!.id));
        await this.insertSchedules(q, row!.id, schedules, now);
      }
      return row!;
    });
  }

  /** Deletes the deployment's SCHEDULED runs that never ran (only auto-scheduled ones when asked). */
  private async deleteUnstartedAutoRuns(q: Executor, deploymentId: string, autoOnly: boolean): Promise<void> {
    const fr = this.ctx.tables.flowRun;
    await q
      .delete(fr)
      .where(
        and(
          eq(fr.deploymentId, deploymentId),
          eq(fr.stateType, 'SCHEDULED'),
          isNull(fr.startTime),
          eq(fr.runCount, 0),
          autoOnly ? eq(fr.autoScheduled, true) : undefined,
        ),
      );
  }

  async get(id: string): Promise<Deployment | null> {
    const deploymentId = parse(uuid, id, 'deployment id');
    return this.ctx.run(
      async (q) => (await q.select().from(this.t).where(eq(this.t.id, deploymentId)))[0] ?? null,
    );
  }

  async getByName(flowName: string, deploymentName: string): Promise<Deployment | null> {
    const f = parse(name, flowName, 'flow name');
    const d = parse(name, deploymentName, 'deployment name');
    const { flow } = this.ctx.tables;
    return this.ctx.run(async (q) => {
      const [row] = await q
        .select({ deployment: this.t })
        .from(this.t)
        .innerJoin(flow, eq(flow.id, this.t.flowId))
        .where(and(eq(flow.name, f), eq(this.t.name, d)));
      return row?.deployment ?? null;
    });
  }

  private conditions(q: Executor, where: z.output<typeof deploymentWhere> | undefined): SQL[] {
    if (!where) return [];
    const f = this.ctx.fragments;
    const { flow } = this.ctx.tables;
    const out: SQL[] = [
      ...idConditions(this.t.id, where.id),
      ...idConditions(this.t.flowId, where.flowId),
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
      if (o.limit !== undefined) query = query.limit(o.limit);
      if (o.offset) query = query.offset(o.offset);
      return query;
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

  async update(id: string, patch: DeploymentUpdate): Promise<Deployment> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const data = parse(deploymentUpdate, patch, 'deployment update');
    return this.ctx.transaction(async (q) => {
      const queue = await this.resolveQueue(q, data);
      const [row] = await q
        .update(this.t)
        .set({ ...DeploymentRepository.columns(data), ...queue, updated: new Date() })
        .where(eq(this.t.id, deploymentId))
        .returning();
      if (!row) throw new NotFoundError('deployment', deploymentId);
      return row;
    });
  }

  pause(id: string): Promise<Deployment> {
    return this.update(id, { paused: true });
  }

  resume(id: string): Promise<Deployment> {
    return this.update(id, { paused: false });
  }

  /** Deletes the deployment and its SCHEDULED runs that never ran; other runs keep their history. */
  async delete(id: string): Promise<void> {
    const deploymentId = parse(uuid, id, 'deployment id');
    await this.ctx.transaction(async (q) => {
      await this.deleteUnstartedAutoRuns(q, deploymentId, false);
      const deleted = await q.delete(this.t).where(eq(this.t.id, deploymentId)).returning({ id: this.t.id });
      if (deleted.length === 0) throw new NotFoundError('deployment', deploymentId);
    });
  }

  private async assertDeployment(q: Executor, deploymentId: string): Promise<Deployment> {
    const [row] = await q.select().from(this.t).where(eq(this.t.id, deploymentId));
    if (!row) throw new NotFoundError('deployment', deploymentId);
    return row;
  }

  private async insertSchedules(
    q: Executor,
    deploymentId: string,
    schedules: z.output<typeof scheduleInput>[],
    now: Date,
  ) {
    if (schedules.length === 0) return [];
    const s = this.ctx.tables.deploymentSchedule;
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

  private async createSchedules(id: string, schedules: ScheduleInput[]): Promise<DeploymentSchedule[]> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const valid = parse(z.array(scheduleInput).max(100), schedules, 'schedules');
    return this.ctx.transaction(async (q) => {
      await this.assertDeployment(q, deploymentId);
      return this.insertSchedules(q, deploymentId, valid, new Date());
    });
  }

  private async listSchedules(id: string): Promise<DeploymentSchedule[]> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const s = this.ctx.tables.deploymentSchedule;
    return this.ctx.run(async (q) => {
      await this.assertDeployment(q, deploymentId);
      return q.select().from(s).where(eq(s.deploymentId, deploymentId)).orderBy(asc(s.created), asc(s.id));
    });
  }

  private async updateSchedule(
    id: string,
    scheduleId: string,
    patch: Partial<ScheduleInput>,
  ): Promise<DeploymentSchedule> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const sid = parse(uuid, scheduleId, 'schedule id');
    const data = parse(schedulePatch, patch, 'schedule update');
    const s = this.ctx.tables.deploymentSchedule;
    return this.ctx.run(async (q) => {
      const [row] = await q
        .update(s)
        .set({ ...data, schedule: data.schedule as Schedule | undefined, updated: new Date() })
        .where(and(eq(s.id, sid), eq(s.deploymentId, deploymentId)))
        .returning();
      if (!row) throw new NotFoundError('deployment schedule', sid);
      return row;
    });
  }

  private async deleteSchedule(id: string, scheduleId: string): Promise<void> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const sid = parse(uuid, scheduleId, 'schedule id');
    const s = this.ctx.tables.deploymentSchedule;
    await this.ctx.run(async (q) => {
      const deleted = await q
        .delete(s)
        .where(and(eq(s.id, sid), eq(s.deploymentId, deploymentId)))
        .returning({ id: s.id });
      if (deleted.length === 0) throw new NotFoundError('deployment schedule', sid);
    });
  }

  /**
   * Creates SCHEDULED runs from the deployment's active schedules in [start, end) (default: now to
   * 100 days ahead, at most `max` = 100 per schedule), in bulk. Idempotency keys make a second call
   * create nothing; returns the runs it created, in start-time order. A paused deployment gets none.
   */
  async scheduleRuns(id: string, options: ScheduleRunsOptions = {}): Promise<FlowRun[]> {
    const deploymentId = parse(uuid, id, 'deployment id');
    const o = parse(scheduleRunsOptions, options, 'scheduleRuns options');
    const { flowRun: fr, flowRunState: frs, deploymentSchedule: s } = this.ctx.tables;
    return this.ctx.transaction(async (q) => {
      const dep = await this.assertDeployment(q, deploymentId);
      if (dep.paused) return [];
      const now = new Date();
      const start = o.start ?? now;
      const end = o.end ?? new Date(start.getTime() + DEFAULT_SCHEDULING_HORIZON_DAYS * 86_400_000);
      const max = o.max ?? DEFAULT_MAX_SCHEDULED_RUNS;
      const schedules = await q
        .select()
        .from(s)
        .where(and(eq(s.deploymentId, deploymentId), eq(s.active, true)));
      const rows = schedules.flatMap((schedule) =>
        scheduleInstants(schedule.schedule, start, end, Math.min(max, schedule.maxScheduledRuns ?? max)).map(
          (at) => ({
            flowId: dep.flowId,
            deploymentId: dep.id,
            deploymentVersion: dep.version,
            workQueueId: dep.workQueueId,
            workQueueName: dep.workQueueName,
            name: generateRunName(),
            parameters: { ...dep.parameters, ...schedule.parameters },
            idempotencyKey: `scheduled ${dep.id} ${schedule.id} ${at.toISOString()}`,
            tags: [...new Set([...dep.tags, AUTO_SCHEDULED_TAG])],
            labels: dep.labels,
            jobVariables: dep.jobVariables,
            autoScheduled: true,
            stateType: 'SCHEDULED' as const,
            stateName: 'Scheduled',
            stateTimestamp: now,
            expectedStartTime: at,
            nextScheduledStartTime: at,
            created: now,
            updated: now,
          }),
        ),
      );
      const createdIds: string[] = [];
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        const created = await q
          .insert(fr)
          .values(chunk)
          .onConflictDoNothing({ target: [fr.flowId, fr.idempotencyKey] })
          .returning({ id: fr.id, at: fr.nextScheduledStartTime });
        if (created.length === 0) continue;
        // The history gets the SCHEDULED state each run already carries, then the run points at it.
        await q.insert(frs).values(
          created.map((run) => ({
            flowRunId: run.id,
            type: 'SCHEDULED' as const,
            name: 'Scheduled',
            timestamp: now,
            stateDetails: { scheduledTime: run.at!.toISOString(), flowRunId: run.id },
            created: now,
            updated: now,
          })),
        );
        const ids = created.map((run) => run.id);
        await q
          .update(fr)
          .set({ stateId: sql`(select ${frs.id} from ${frs} where ${frs.flowRunId} = ${fr.id})` })
          .where(inArray(fr.id, ids));
        createdIds.push(...ids);
      }
      if (createdIds.length === 0) return [];
      const runs = new FlowRunRepository(this.ctx);
      const created: FlowRun[] = [];
      for (let i = 0; i < createdIds.length; i += INSERT_CHUNK) {
        const rowsRead = await q
          .select()
          .from(fr)
          .where(inArray(fr.id, createdIds.slice(i, i + INSERT_CHUNK)));
        created.push(...rowsRead.map((row) => runs.present(row, now)));
      }
      return created.sort(
        (a, b) =>
          a.nextScheduledStartTime!.getTime() - b.nextScheduledStartTime!.getTime() || (a.id < b.id ? -1 : 1),
      );
    });
  }
}
