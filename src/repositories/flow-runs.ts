import { type SQL, and, eq, exists, inArray } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import {
  type FailExpiredPausesOptions,
  type MarkLateOptions,
  failExpiredPauses,
  markLate,
} from './loop-services.js';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { StateType } from '../schema/enums.js';
import type { flowRun } from '../schema/postgres/runs.js';
import { idConditions, tagsConditions, textConditions } from './filters.js';
import { FlowRepository } from './flows.js';
import { generateRunName } from './names.js';
import { runQueueName } from './queue-names.js';
import {
  type FlowRunCreate,
  type FlowRunListOptions,
  type FlowRunQuery,
  type FlowRunUpdate,
  flowRunCreate,
  flowRunList,
  flowRunQuery,
  flowRunUpdate,
} from './flow-run-inputs.js';
import { type DerivedRunFields, RunRepositoryBase } from './run-base.js';
import { runConditions } from './run-filters.js';
import { taskRunConditions } from './task-run-filters.js';
import { columnsWithout } from './table-rows.js';
import { parse, uuid } from './validation.js';

type FlowRunRow = typeof flowRun.$inferSelect;
/** A flow run as the library returns it: its columns and the derived timing fields. */
export type FlowRun = Omit<FlowRunRow, 'startTimeOrExpected'> & DerivedRunFields;

export {
  type FlowRunCreate,
  type FlowRunListOptions,
  type FlowRunQuery,
  type FlowRunUpdate,
  type FlowRunWhere,
  deploymentRelation,
  flowRunCreate,
  flowRunWhere,
} from './flow-run-inputs.js';

/** Flow runs: create, read, filter, sort, count, and move through states with full bookkeeping. */
export class FlowRunRepository extends RunRepositoryBase<FlowRunRow, FlowRun> {
  protected readonly entity = 'flow run' as const;
  protected readonly kind = 'flow' as const;

  protected get table() {
    return this.ctx.tables.flowRun;
  }
  protected get stateTable() {
    return this.ctx.tables.flowRunState;
  }
  protected get stateRunColumn(): AnyPgColumn {
    return this.ctx.tables.flowRunState.flowRunId;
  }
  protected get startTimeKey() {
    return this.table.startTimeOrExpected;
  }
  protected lockedExtras() {
    return {};
  }
  /** Without the sort key, which the public shape drops (toRun): reading it cost a time per row. */
  protected override listFields() {
    return columnsWithout(this.table, 'startTimeOrExpected');
  }
  protected transitionContext(row: Record<string, unknown>) {
    return { flowRunId: String(row.id) };
  }

  /**
   * Turns the freshly read row itself into the run: a copy by rest and spread of 32 columns was
   * an eighth of a 200-run list's CPU time (issue 13, list-by-state). The sort key goes first; it
   * is the last column read, which V8 removes without leaving the object's fast layout.
   */
  protected toRun(row: FlowRunRow, now: Date): FlowRun {
    const run = row as Partial<FlowRunRow> & FlowRun;
    delete run.startTimeOrExpected;
    // Named stores: Object.assign adds by computed key, which turns a row of this many properties
    // into a hash table (row-shape.ts).
    const derived = this.derived(row, now);
    run.estimatedRunTime = derived.estimatedRunTime;
    run.estimatedStartTimeDelta = derived.estimatedStartTimeDelta;
    return run;
  }

  /** SQL conditions for a flow-run query (filters plus related-entity filters). */
  conditions(q: Executor, query: z.output<typeof flowRunQuery>): SQL[] {
    const t = this.table;
    const { tables, fragments: f } = this.ctx;
    const w = query.where ?? {};
    const out: SQL[] = [
      ...runConditions(t, w, f),
      ...idConditions(t.flowId, w.flowId, f),
      ...idConditions(t.deploymentId, w.deploymentId, f),
      ...idConditions(t.workQueueId, w.workQueueId, f),
      ...textConditions(t.workQueueName, w.workQueueName, f),
      ...idConditions(t.parentTaskRunId, w.parentTaskRunId, f),
      ...textConditions(t.idempotencyKey, w.idempotencyKey, f),
      ...textConditions(t.flowVersion, w.flowVersion, f),
    ];
    if (query.flow) {
      const sub = q
        .select({ id: tables.flow.id })
        .from(tables.flow)
        .where(and(...new FlowRepository(this.ctx).conditions(query.flow)));
      out.push(inArray(t.flowId, sub));
    }
    if (query.deployment) {
      const d = tables.deployment;
      const where = [
        ...idConditions(d.id, query.deployment.id, f),
        ...textConditions(d.name, query.deployment.name, f),
        ...tagsConditions(d.tags, query.deployment.tags, f),
      ];
      out.push(
        inArray(
          t.deploymentId,
          q
            .select({ id: d.id })
            .from(d)
            .where(and(...where)),
        ),
      );
    }
    if (query.workQueue) {
      const wq = tables.workQueue;
      const where = [
        ...idConditions(wq.id, query.workQueue.id, f),
        ...textConditions(wq.name, query.workQueue.name, f),
      ];
      out.push(
        inArray(
          t.workQueueId,
          q
            .select({ id: wq.id })
            .from(wq)
            .where(and(...where)),
        ),
      );
    }
    if (query.workPool) {
      const { workQueue: wq, workPool: wp } = tables;
      const where = [
        ...idConditions(wp.id, query.workPool.id, f),
        ...textConditions(wp.name, query.workPool.name, f),
        ...textConditions(wp.type, query.workPool.type, f),
      ];
      const sub = q
        .select({ id: wq.id })
        .from(wq)
        .innerJoin(wp, eq(wp.id, wq.workPoolId))
        .where(and(...where));
      out.push(inArray(t.workQueueId, sub));
    }
    if (query.taskRun) {
      const tr = tables.taskRun;
      const where = taskRunConditions(this.ctx, query.taskRun);
      out.push(
        exists(
          q
            .select({ one: tr.id })
            .from(tr)
            .where(and(eq(tr.flowRunId, t.id), ...where)),
        ),
      );
    }
    return out;
  }

  /**
   * Creates a flow run (a two-word name when none is given). Idempotent on flow + idempotencyKey:
   * the existing run is returned. An initial `state` is applied with the bookkeeping.
   */
  async create(input: FlowRunCreate): Promise<FlowRun> {
    const { state, ...data } = parse(flowRunCreate, input, 'flow run');
    const t = this.table;
    // The reference checks read first, so PostgreSQL sends BEGIN along with the first of them, and
    // an initial state's transition, one statement there, carries COMMIT: three round trips, not five.
    return this.ctx.transaction(
      async (q) => {
        await this.assertReferences(q, data);
        // A run in a queue stores the queue's current name; a different given one is refused (docs/work.md).
        if (data.workQueueId)
          data.workQueueName = await runQueueName(this.ctx, q, data.workQueueId, data.workQueueName);
        const now = new Date();
        const [created] = await q
          .insert(t)
          .values({
            ...data,
            name: data.name ?? generateRunName(),
            createdBy: (data.createdBy ?? null) as never,
            created: now,
            updated: now,
          })
          .onConflictDoNothing({ target: [t.flowId, t.idempotencyKey] })
          .returning();
        if (!created) {
          const [existing] = await q
            .select()
            .from(t)
            .where(and(eq(t.flowId, data.flowId), eq(t.idempotencyKey, data.idempotencyKey!)));
          return this.toRun(existing!, now);
        }
        if (!state) return this.toRun(created, now);
        return (await this.lastTransition(q, created.id, state)).run;
      },
      { readFirst: true },
    );
  }

  private async assertReferences(
    q: Executor,
    data: {
      flowId?: string;
      deploymentId?: string | null;
      workQueueId?: string | null;
      parentTaskRunId?: string | null;
    },
  ): Promise<void> {
    const { flow, workQueue, taskRun } = this.ctx.tables;
    await this.assertDeployment(q, data.deploymentId, data.flowId);
    const checks = [
      ['flow', data.flowId, flow],
      ['work queue', data.workQueueId, workQueue],
      ['task run', data.parentTaskRunId, taskRun],
    ] as const;
    for (const [entity, id, table] of checks) {
      if (!id) continue;
      const [row] = await q.select({ id: table.id }).from(table).where(eq(table.id, id));
      if (!row) throw new NotFoundError(entity, id);
    }
  }

  /**
   * deployment_id has no foreign key (as Prefect), so only this check keeps a missing one out; a
   * run of one flow cannot belong to another flow's deployment (semantics.md §5).
   */
  private async assertDeployment(
    q: Executor,
    deploymentId: string | null | undefined,
    flowId: string | undefined,
  ): Promise<void> {
    if (!deploymentId) return;
    const { deployment } = this.ctx.tables;
    const [row] = await q
      .select({ flowId: deployment.flowId })
      .from(deployment)
      .where(eq(deployment.id, deploymentId));
    if (!row) throw new NotFoundError('deployment', deploymentId);
    if (flowId && row.flowId !== flowId)
      throw new ValidationError(
        `Invalid flow run: deployment ${deploymentId} belongs to another flow than ${flowId}`,
        [{ path: ['deploymentId'], message: 'belongs to another flow' }],
      );
  }

  /**
   * Loop service (Prefect's late-runs service; call every ~5 s): SCHEDULED runs named `Scheduled`
   * whose scheduled time is more than `after` (default `'15s'`; ms or `'30s'`, `'5m'`) before
   * `now` get a SCHEDULED state named `Late` with the same `scheduledTime`, through the normal
   * state bookkeeping, in batches of `batchSize` (500). Safe to run from two processes at once.
   * @returns how many runs were marked late.
   * @throws ValidationError for bad options.
   * @example await db.flowRuns.markLate({ after: '15s' })
   */
  markLate(options: MarkLateOptions = {}): Promise<number> {
    return markLate(this.ctx, this, options);
  }

  /**
   * Loop service (Prefect's pause-expiration service; call every ~5 s): PAUSED runs whose current
   * state's `stateDetails.pauseTimeout` is before `now` move to FAILED. Safe from two processes.
   * @returns the runs it failed.
   * @example await db.flowRuns.failExpiredPauses()
   */
  failExpiredPauses(options: FailExpiredPausesOptions = {}): Promise<FlowRun[]> {
    return failExpiredPauses(this.ctx, this, options);
  }

  async list(options: FlowRunListOptions = {}): Promise<FlowRun[]> {
    const { sort, limit, offset, ...query } = parse(flowRunList, options, 'flow run list options');
    return this.listRuns((q) => this.conditions(q, query), { sort, limit, offset });
  }

  async count(options: FlowRunQuery = {}): Promise<number> {
    const query = parse(flowRunQuery, options, 'flow run count options');
    return this.countRuns((q) => this.conditions(q, query));
  }

  async countByState(options: FlowRunQuery = {}): Promise<Record<StateType, number>> {
    const query = parse(flowRunQuery, options, 'flow run count options');
    return this.countStates((q) => this.conditions(q, query));
  }

  async update(id: string, patch: FlowRunUpdate): Promise<FlowRun> {
    const runId = parse(uuid, id, 'flow run id');
    const data = parse(flowRunUpdate, patch, 'flow run update');
    return this.ctx.transaction(async (q) => {
      // A new deployment must be of the run's own flow, as on create (semantics.md §5).
      let flowId: string | undefined;
      if (data.deploymentId) {
        const [run] = await q
          .select({ flowId: this.table.flowId })
          .from(this.table)
          .where(eq(this.table.id, runId));
        if (!run) throw new NotFoundError('flow run', runId);
        flowId = run.flowId;
      }
      await this.assertDeployment(q, data.deploymentId, flowId);
      await this.assertReferences(q, { workQueueId: data.workQueueId });
      // The stored name follows the queue, as on create (docs/work.md): a queue brings its name,
      // detaching clears it, and a name given alone must be the name of the run's queue, if it has one.
      if (data.workQueueId)
        data.workQueueName = await runQueueName(this.ctx, q, data.workQueueId, data.workQueueName);
      else if (data.workQueueId === null) data.workQueueName ??= null;
      else if (data.workQueueName !== undefined) {
        const [run] = await q
          .select({ workQueueId: this.table.workQueueId })
          .from(this.table)
          .where(eq(this.table.id, runId));
        if (run?.workQueueId) await runQueueName(this.ctx, q, run.workQueueId, data.workQueueName);
      }
      const now = new Date();
      const [row] = await q
        .update(this.table)
        .set({ ...(data as Record<string, unknown>), updated: now })
        .where(eq(this.table.id, runId))
        .returning();
      if (!row) throw new NotFoundError('flow run', runId);
      return this.toRun(row, now);
    });
  }
}
