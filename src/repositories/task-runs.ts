import { type SQL, and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import type { StateType } from '../schema/enums.js';
import type { taskRun } from '../schema/postgres/runs.js';
import { FlowRunRepository, deploymentRelation, flowRunWhere } from './flow-runs.js';
import { flowWhere } from './flows.js';
import { generateRunName } from './names.js';
import { taskRunConditions, taskRunWhere } from './task-run-filters.js';
import { type DerivedRunFields, RUN_SORTS, RunRepositoryBase } from './run-base.js';
import { stateInput } from './states.js';
import {
  empiricalPolicy,
  entityName,
  indexedText,
  jsonObject,
  labels,
  limit,
  name,
  offset,
  parse,
  tags,
  time,
  uuid,
} from './validation.js';

type TaskRunRow = typeof taskRun.$inferSelect;
/** A task run as the library returns it: its columns and the derived timing fields. */
export type TaskRun = TaskRunRow & DerivedRunFields;

/**
 * Task runs filtered by related entities, as flow runs are: `flowRun` (a flow-run `where`), `flow`
 * (a flow `where`), `deployment` ({ id, name, tags }) — task runs whose flow run matches.
 */
const relatedFilters = {
  flowRun: flowRunWhere.optional(),
  flow: flowWhere.optional(),
  deployment: deploymentRelation.optional(),
};
const taskRunQuery = z.strictObject({ where: taskRunWhere.optional(), ...relatedFilters });
const taskRunList = z.strictObject({
  where: taskRunWhere.optional(),
  ...relatedFilters,
  sort: z.enum(RUN_SORTS).optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});

const taskRunCreate = z.strictObject({
  /** null or absent: a background task, not part of a flow run. */
  flowRunId: uuid.nullable().optional(),
  taskKey: entityName(['task_run', 'task_key']),
  dynamicKey: indexedText(['task_run', 'dynamic_key']),
  name: entityName(['task_run', 'name']).optional(),
  cacheKey: name.nullable().optional(),
  cacheExpiration: time.nullable().optional(),
  taskVersion: name.nullable().optional(),
  empiricalPolicy: empiricalPolicy.optional(),
  taskInputs: jsonObject.optional(),
  tags: tags.optional(),
  labels: labels.nullable().optional(),
  state: stateInput.optional(),
});

/** Everything but the identity (flow run, task key, dynamic key) and the state, which has setState. */
const taskRunUpdate = taskRunCreate.omit({ flowRunId: true, taskKey: true, dynamicKey: true, state: true });

export type TaskRunWhere = z.input<typeof taskRunWhere>;
export type TaskRunListOptions = z.input<typeof taskRunList>;
export type TaskRunCreate = z.input<typeof taskRunCreate>;
export type TaskRunUpdate = z.input<typeof taskRunUpdate>;

/** Task runs, inside a flow run or on their own (background tasks). */
export class TaskRunRepository extends RunRepositoryBase<TaskRunRow, TaskRun> {
  protected readonly entity = 'task run' as const;
  protected readonly kind = 'task' as const;

  protected get table() {
    return this.ctx.tables.taskRun;
  }
  protected get stateTable() {
    return this.ctx.tables.taskRunState;
  }
  protected get stateRunColumn(): AnyPgColumn {
    return this.ctx.tables.taskRunState.taskRunId;
  }
  protected get startTimeKey() {
    return sql`coalesce(${this.table.startTime}, ${this.table.expectedStartTime})`;
  }
  protected lockedExtras() {
    const fr = this.ctx.tables.flowRun;
    return {
      flowRunId: this.table.flowRunId,
      flowRunRunCount: this.table.flowRunRunCount,
      // Recorded as flow_run_run_count when the task enters RUNNING.
      parentRunCount: sql<
        number | null
      >`(select ${fr.runCount} from ${fr} where ${fr.id} = ${this.table.flowRunId})`,
    };
  }
  protected transitionContext(row: Record<string, unknown>) {
    return {
      flowRunId: (row.flowRunId as string | null) ?? null,
      taskRunId: String(row.id),
      parentRunCount:
        row.parentRunCount === null || row.parentRunCount === undefined ? null : Number(row.parentRunCount),
    };
  }

  protected toRun(row: TaskRunRow, now: Date): TaskRun {
    return { ...row, ...this.derived(row, now) };
  }

  /** SQL conditions for a task-run query: its own filter, and its flow run's (by flow run, flow, deployment). */
  conditions(q: Executor, query: z.output<typeof taskRunQuery>): SQL[] {
    const out = taskRunConditions(this.ctx, query.where);
    if (query.flowRun || query.flow || query.deployment) {
      const fr = this.ctx.tables.flowRun;
      const where = new FlowRunRepository(this.ctx).conditions(q, {
        where: query.flowRun,
        flow: query.flow,
        deployment: query.deployment,
      });
      out.push(
        inArray(
          this.table.flowRunId,
          q
            .select({ id: fr.id })
            .from(fr)
            .where(and(...where)),
        ),
      );
    }
    return out;
  }

  /**
   * Creates a task run, idempotent on flow run + taskKey + dynamicKey (or taskKey + dynamicKey for
   * background tasks): the existing run is returned. An initial `state` is applied with the bookkeeping.
   */
  async create(input: TaskRunCreate): Promise<TaskRun> {
    const { state, ...data } = parse(taskRunCreate, input, 'task run');
    const t = this.table;
    // As a flow run's create (flow-runs.ts): BEGIN goes with the flow-run check, COMMIT with the transition.
    return this.ctx.transaction(
      async (q) => {
        if (data.flowRunId) await this.assertFlowRun(q, data.flowRunId);
        const now = new Date();
        const [created] = await q
          .insert(t)
          .values({ ...data, name: data.name ?? generateRunName(), created: now, updated: now })
          .onConflictDoNothing()
          .returning();
        if (!created) {
          const sameRun = data.flowRunId ? eq(t.flowRunId, data.flowRunId) : isNull(t.flowRunId);
          const [existing] = await q
            .select()
            .from(t)
            .where(and(sameRun, eq(t.taskKey, data.taskKey), eq(t.dynamicKey, data.dynamicKey)));
          return this.toRun(existing!, now);
        }
        if (!state) return this.toRun(created, now);
        return (await this.lastTransition(q, created.id, state)).run;
      },
      { readFirst: true },
    );
  }

  private async assertFlowRun(q: Executor, flowRunId: string): Promise<void> {
    const fr = this.ctx.tables.flowRun;
    const [row] = await q.select({ id: fr.id }).from(fr).where(eq(fr.id, flowRunId));
    if (!row) throw new NotFoundError('flow run', flowRunId);
  }

  async list(options: TaskRunListOptions = {}): Promise<TaskRun[]> {
    const { sort, limit, offset, ...query } = parse(taskRunList, options, 'task run list options');
    return this.listRuns((q) => this.conditions(q, query), { sort, limit, offset });
  }

  async count(options: z.input<typeof taskRunQuery> = {}): Promise<number> {
    const query = parse(taskRunQuery, options, 'task run count options');
    return this.countRuns((q) => this.conditions(q, query));
  }

  async countByState(options: z.input<typeof taskRunQuery> = {}): Promise<Record<StateType, number>> {
    const query = parse(taskRunQuery, options, 'task run count options');
    return this.countStates((q) => this.conditions(q, query));
  }

  async update(id: string, patch: TaskRunUpdate): Promise<TaskRun> {
    const runId = parse(uuid, id, 'task run id');
    const data = parse(taskRunUpdate, patch, 'task run update');
    return this.ctx.run(async (q) => {
      const now = new Date();
      const [row] = await q
        .update(this.table)
        .set({ ...data, updated: now })
        .where(eq(this.table.id, runId))
        .returning();
      if (!row) throw new NotFoundError('task run', runId);
      return this.toRun(row, now);
    });
  }
}
