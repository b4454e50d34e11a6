/** The public interfaces of `db.flows`, `db.flowRuns` and `db.taskRuns` (the classes behind them are internal). */
import type { StateType } from '../schema/enums.js';
import type {
  FailExpiredPausesOptions,
  Flow,
  FlowCreate,
  FlowListOptions,
  FlowRun,
  FlowRunCreate,
  FlowRunListOptions,
  FlowRunQuery,
  FlowRunUpdate,
  FlowUpdate,
  FlowWhere,
  MarkLateOptions,
  SetStateOptions,
  State,
  StateInput,
  TaskRun,
  TaskRunCreate,
  TaskRunListOptions,
  TaskRunQuery,
  TaskRunUpdate,
} from './runs.js';

/** Flows: named, tagged groups of runs. */
export interface FlowRepository {
  /**
   * Creates a flow, or returns the existing one with that name.
   * @example const flow = await db.flows.create({ name: 'etl', tags: ['nightly'] });
   */
  create(input: FlowCreate): Promise<Flow>;
  /**
   * The flow with this id, or null. A malformed id is a ValidationError.
   * @example const flow = await db.flows.get(id);
   */
  get(id: string): Promise<Flow | null>;
  /**
   * The flow with this name, or null.
   * @example const flow = await db.flows.getByName('etl');
   */
  getByName(flowName: string): Promise<Flow | null>;
  /**
   * Flows matching `where`, sorted (default CREATED_DESC) and paged.
   * @example const flows = await db.flows.list({ where: { tags: { all: ['nightly'] } }, sort: 'NAME_ASC', limit: 50 });
   */
  list(options?: FlowListOptions): Promise<Flow[]>;
  /**
   * How many flows match `where`.
   * @example const n = await db.flows.count({ where: { name: { startsWith: 'etl' } } });
   */
  count(options?: { where?: FlowWhere }): Promise<number>;
  /**
   * Replaces the flow's tags and/or labels. A missing flow is a NotFoundError.
   * @example await db.flows.update(flow.id, { tags: ['nightly', 'gold'] });
   */
  update(id: string, patch: FlowUpdate): Promise<Flow>;
  /**
   * Deletes a flow; its runs and deployments go with it (ON DELETE CASCADE).
   * @example await db.flows.delete(flow.id);
   */
  delete(id: string): Promise<void>;
}

/** Flow runs: create, read, filter, sort, count, and move through states with full bookkeeping. */
export interface FlowRunRepository {
  /**
   * Creates a flow run (a two-word name when none is given). Idempotent on flow + idempotencyKey:
   * the existing run is returned. An initial `state` is applied with the bookkeeping.
   * @example const run = await db.flowRuns.create({ flowId: flow.id, parameters: { day: '2026-01-01' }, state: { type: 'SCHEDULED' } });
   */
  create(input: FlowRunCreate): Promise<FlowRun>;
  /**
   * Loop service (Prefect's late-runs service; call every ~5 s): SCHEDULED runs named `Scheduled`
   * whose scheduled time is more than `after` (default `'15s'`; ms or `'30s'`, `'5m'`) before
   * `now` get a SCHEDULED state named `Late` with the same `scheduledTime`, through the normal
   * state bookkeeping, in batches of `batchSize` (500). Safe to run from two processes at once.
   * @returns how many runs were marked late.
   * @throws ValidationError for bad options.
   * @example await db.flowRuns.markLate({ after: '15s' })
   */
  markLate(options?: MarkLateOptions): Promise<number>;
  /**
   * Loop service (Prefect's pause-expiration service; call every ~5 s): PAUSED runs whose current
   * state's `stateDetails.pauseTimeout` is before `now` move to FAILED. Safe from two processes.
   * @returns the runs it failed.
   * @example await db.flowRuns.failExpiredPauses()
   */
  failExpiredPauses(options?: FailExpiredPausesOptions): Promise<FlowRun[]>;
  /**
   * Flow runs matching the filters (their own `where` and the related `flow`, `deployment`, `workPool`, `workQueue`, `taskRun`), sorted (default ID_DESC) and paged.
   * @example const late = await db.flowRuns.list({ where: { state: { name: { any: ['Late'] } } }, sort: 'EXPECTED_START_TIME_ASC', limit: 100 });
   */
  list(options?: FlowRunListOptions): Promise<FlowRun[]>;
  /**
   * How many flow runs match the filters of `list`.
   * @example const n = await db.flowRuns.count({ flow: { name: { any: ['etl'] } } });
   */
  count(options?: FlowRunQuery): Promise<number>;
  /**
   * How many flow runs match, per state type (every type present, 0 when none).
   * @example const { RUNNING, FAILED } = await db.flowRuns.countByState({ where: { tags: { all: ['nightly'] } } });
   */
  countByState(options?: FlowRunQuery): Promise<Record<StateType, number>>;
  /**
   * Updates the run's own fields (not its state: see `setState`). A missing run is a NotFoundError.
   * @example await db.flowRuns.update(run.id, { tags: ['reviewed'], jobVariables: { image: 'etl:2' } });
   */
  update(id: string, patch: FlowRunUpdate): Promise<FlowRun>;
  /**
   * The flow run with this id, or null.
   * @example const run = await db.flowRuns.get(id);
   */
  get(id: string): Promise<FlowRun | null>;
  /**
   * Deletes the run with its states, task runs and logs. A missing run is a NotFoundError.
   * @example await db.flowRuns.delete(run.id);
   */
  delete(id: string): Promise<void>;
  /**
   * The run's state history, ordered by (timestamp, id).
   * @example const history = (await db.flowRuns.states(run.id)).map((s) => s.type);
   */
  states(id: string): Promise<State[]>;
  /**
   * Appends a state, points the run at it and applies the bookkeeping, in one transaction with the
   * run locked. With `expectedStateId` (null = "no state yet") it is a compare-and-set: if the run
   * moved first, StaleStateError and nothing is written.
   * @example const { run: now } = await db.flowRuns.setState(run.id, { type: 'RUNNING' }, { expectedStateId: run.stateId });
   */
  setState(id: string, state: StateInput, options?: SetStateOptions): Promise<{ run: FlowRun; state: State }>;
}

/** Task runs, inside a flow run or on their own (background tasks). */
export interface TaskRunRepository {
  /**
   * Creates a task run, idempotent on flow run + taskKey + dynamicKey (or taskKey + dynamicKey for
   * background tasks): the existing run is returned. An initial `state` is applied with the bookkeeping.
   * @example const task = await db.taskRuns.create({ flowRunId: run.id, taskKey: 'extract', dynamicKey: '0' });
   */
  create(input: TaskRunCreate): Promise<TaskRun>;
  /**
   * Task runs matching the filters (their own `where` and their flow run's: `flowRun`, `flow`, `deployment`), sorted (default ID_DESC) and paged.
   * @example const tasks = await db.taskRuns.list({ flowRun: { id: { any: [run.id] } }, sort: 'START_TIME_ASC' });
   */
  list(options?: TaskRunListOptions): Promise<TaskRun[]>;
  /**
   * How many task runs match the filters of `list`.
   * @example const n = await db.taskRuns.count({ where: { taskKey: { any: ['extract'] } } });
   */
  count(options?: TaskRunQuery): Promise<number>;
  /**
   * How many task runs match, per state type (every type present, 0 when none).
   * @example const counts = await db.taskRuns.countByState({ flowRun: { id: { any: [run.id] } } });
   */
  countByState(options?: TaskRunQuery): Promise<Record<StateType, number>>;
  /**
   * Updates the task run's own fields (not its state: see `setState`). A missing run is a NotFoundError.
   * @example await db.taskRuns.update(task.id, { cacheKey: 'extract-2026-01-01' });
   */
  update(id: string, patch: TaskRunUpdate): Promise<TaskRun>;
  /**
   * The task run with this id, or null.
   * @example const task = await db.taskRuns.get(id);
   */
  get(id: string): Promise<TaskRun | null>;
  /**
   * Deletes the task run with its states. A missing run is a NotFoundError.
   * @example await db.taskRuns.delete(task.id);
   */
  delete(id: string): Promise<void>;
  /**
   * The run's state history, ordered by (timestamp, id).
   * @example const history = await db.taskRuns.states(task.id);
   */
  states(id: string): Promise<State[]>;
  /**
   * Appends a state, points the run at it and applies the bookkeeping, in one transaction with the
   * run locked. With `expectedStateId` (null = "no state yet") it is a compare-and-set: if the run
   * moved first, StaleStateError and nothing is written.
   * @example await db.taskRuns.setState(task.id, { type: 'COMPLETED', message: 'extracted' });
   */
  setState(id: string, state: StateInput, options?: SetStateOptions): Promise<{ run: TaskRun; state: State }>;
}
