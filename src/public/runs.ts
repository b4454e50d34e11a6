/** Flows, flow runs, task runs and their states: the shapes callers pass and get back. */
import type { StateType } from '../schema/enums.js';
import type {
  CreatedBy,
  EmpiricalPolicy,
  JsonObject,
  StateDetails,
  StateDetailsInput,
} from '../schema/json-types.js';
import type { IdFilter, StateFilter, TagsFilter, TextFilter, TimeFilter } from './filters.js';

export interface Flow {
  id: string;
  name: string;
  created: Date;
  updated: Date;
  tags: string[];
  labels: Record<string, string> | null;
}

export interface FlowCreate {
  name: string;
  tags?: string[] | undefined;
  labels?: Record<string, string> | null | undefined;
}

export interface FlowListOptions {
  where?: FlowWhere | undefined;
  sort?: 'CREATED_DESC' | 'UPDATED_DESC' | 'NAME_ASC' | 'NAME_DESC' | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export type FlowSort = 'CREATED_DESC' | 'UPDATED_DESC' | 'NAME_ASC' | 'NAME_DESC';

export interface FlowUpdate {
  tags?: string[] | undefined;
  labels?: Record<string, string> | null | undefined;
}

export interface FlowWhere {
  id?: IdFilter | undefined;
  name?: TextFilter | undefined;
  tags?: TagsFilter | undefined;
}

/** What flow runs and task runs both carry: their columns in common and the derived timing fields. */
export interface RunFields extends DerivedRunFields {
  id: string;
  name: string;
  created: Date;
  updated: Date;
  tags: string[];
  labels: Record<string, string> | null;
  stateId: string | null;
  stateType: StateType | null;
  stateName: string | null;
  stateTimestamp: Date | null;
  runCount: number;
  expectedStartTime: Date | null;
  nextScheduledStartTime: Date | null;
  startTime: Date | null;
  endTime: Date | null;
  totalRunTime: number;
  empiricalPolicy: EmpiricalPolicy;
}

/** A flow run as the library returns it: its columns and the derived timing fields. */
export interface FlowRun extends RunFields {
  flowId: string;
  deploymentId: string | null;
  deploymentVersion: string | null;
  workQueueId: string | null;
  workQueueName: string | null;
  flowVersion: string | null;
  parameters: JsonObject;
  idempotencyKey: string | null;
  context: JsonObject;
  createdBy: CreatedBy | null;
  infrastructurePid: string | null;
  jobVariables: JsonObject;
  parentTaskRunId: string | null;
  autoScheduled: boolean;
}

export interface FlowRunCreate {
  flowId: string;
  name?: string | undefined;
  deploymentId?: string | null | undefined;
  deploymentVersion?: string | null | undefined;
  workQueueId?: string | null | undefined;
  workQueueName?: string | null | undefined;
  flowVersion?: string | null | undefined;
  parameters?: JsonObject | undefined;
  idempotencyKey?: string | null | undefined;
  context?: JsonObject | undefined;
  empiricalPolicy?: EmpiricalPolicy | undefined;
  tags?: string[] | undefined;
  labels?: Record<string, string> | null | undefined;
  createdBy?: CreatedBy | null | undefined;
  infrastructurePid?: string | null | undefined;
  jobVariables?: JsonObject | undefined;
  parentTaskRunId?: string | null | undefined;
  autoScheduled?: boolean | undefined;
  /** An initial state, applied with the bookkeeping in the same transaction. */
  state?: StateInput | undefined;
}

/** `flowRuns.list`: the filters of `FlowRunQuery`, a sort (default ID_DESC) and paging. */
export interface FlowRunListOptions extends FlowRunQuery, Paging {
  sort?: RunSort | undefined;
}

/** A related deployment filter (flow runs and task runs by their deployment). */
export interface RelatedDeploymentFilter {
  id?: IdFilter | undefined;
  name?: TextFilter | undefined;
  tags?: TagsFilter | undefined;
}

/** `limit` and `offset` (both optional; see docs/repositories.md, "Paging"). */
export interface Paging {
  limit?: number | undefined;
  offset?: number | undefined;
}

/** The filters of a flow-run query: its own `where` and the related entities'. */
export interface FlowRunQuery {
  flow?: FlowWhere | undefined;
  deployment?: RelatedDeploymentFilter | undefined;
  workPool?:
    | { id?: IdFilter | undefined; name?: TextFilter | undefined; type?: TextFilter | undefined }
    | undefined;
  workQueue?: { id?: IdFilter | undefined; name?: TextFilter | undefined } | undefined;
  /** Flow runs having at least one task run that matches. */
  taskRun?: TaskRunWhere | undefined;
  where?: FlowRunWhere | undefined;
}

export interface FlowRunUpdate {
  name?: string | undefined;
  flowVersion?: string | null | undefined;
  parameters?: JsonObject | undefined;
  context?: JsonObject | undefined;
  empiricalPolicy?: EmpiricalPolicy | undefined;
  tags?: string[] | undefined;
  labels?: Record<string, string> | null | undefined;
  infrastructurePid?: string | null | undefined;
  jobVariables?: JsonObject | undefined;
  deploymentId?: string | null | undefined;
  deploymentVersion?: string | null | undefined;
  workQueueId?: string | null | undefined;
  workQueueName?: string | null | undefined;
}

export interface FlowRunWhere {
  id?: IdFilter | undefined;
  name?: TextFilter | undefined;
  tags?: TagsFilter | undefined;
  state?: StateFilter | undefined;
  flowId?: IdFilter | undefined;
  deploymentId?: IdFilter | undefined;
  workQueueId?: IdFilter | undefined;
  workQueueName?: TextFilter | undefined;
  parentTaskRunId?: IdFilter | undefined;
  idempotencyKey?: TextFilter | undefined;
  flowVersion?: TextFilter | undefined;
  startTime?: TimeFilter | undefined;
  endTime?: TimeFilter | undefined;
  expectedStartTime?: TimeFilter | undefined;
  nextScheduledStartTime?: TimeFilter | undefined;
}

/** A task run as the library returns it: its columns and the derived timing fields. */
export interface TaskRun extends RunFields {
  flowRunId: string | null;
  taskKey: string;
  dynamicKey: string;
  cacheKey: string | null;
  cacheExpiration: Date | null;
  taskVersion: string | null;
  flowRunRunCount: number;
  taskInputs: JsonObject;
}

export interface TaskRunCreate {
  taskKey: string;
  dynamicKey: string;
  /** null or absent: a background task, not part of a flow run. */
  flowRunId?: string | null | undefined;
  name?: string | undefined;
  cacheKey?: string | null | undefined;
  cacheExpiration?: string | Date | null | undefined;
  taskVersion?: string | null | undefined;
  empiricalPolicy?: EmpiricalPolicy | undefined;
  taskInputs?: JsonObject | undefined;
  tags?: string[] | undefined;
  labels?: Record<string, string> | null | undefined;
  state?: StateInput | undefined;
}

/** `taskRuns.list`: the filters of `TaskRunQuery`, a sort (default ID_DESC) and paging. */
export interface TaskRunListOptions extends TaskRunQuery, Paging {
  sort?: RunSort | undefined;
}

export interface TaskRunUpdate {
  name?: string | undefined;
  tags?: string[] | undefined;
  labels?: Record<string, string> | null | undefined;
  empiricalPolicy?: EmpiricalPolicy | undefined;
  cacheKey?: string | null | undefined;
  cacheExpiration?: string | Date | null | undefined;
  taskVersion?: string | null | undefined;
  taskInputs?: JsonObject | undefined;
}

export interface TaskRunWhere {
  id?: IdFilter | undefined;
  name?: TextFilter | undefined;
  tags?: TagsFilter | undefined;
  state?: StateFilter | undefined;
  flowRunId?: IdFilter | undefined;
  taskKey?: TextFilter | undefined;
  startTime?: TimeFilter | undefined;
  endTime?: TimeFilter | undefined;
  expectedStartTime?: TimeFilter | undefined;
  nextScheduledStartTime?: TimeFilter | undefined;
}

/** Fields every run carries besides its columns, computed when read. */
export interface DerivedRunFields {
  /** Seconds: total run time, plus the current RUNNING stretch so far. */
  estimatedRunTime: number;
  /** Seconds late: how late it started, or how overdue it is while still waiting. */
  estimatedStartTimeDelta: number;
}

export type RunSort =
  | 'ID_DESC'
  | 'START_TIME_ASC'
  | 'START_TIME_DESC'
  | 'EXPECTED_START_TIME_ASC'
  | 'EXPECTED_START_TIME_DESC'
  | 'NAME_ASC'
  | 'NAME_DESC'
  | 'NEXT_SCHEDULED_START_TIME_ASC'
  | 'END_TIME_DESC';

export interface SetStateOptions {
  expectedStateId?: string | null | undefined;
}

export interface FailExpiredPausesOptions {
  now?: string | Date | undefined;
  batchSize?: number | undefined;
}

export interface MarkLateOptions {
  after?: string | number | undefined;
  now?: string | Date | undefined;
  batchSize?: number | undefined;
}

/** A state as stored in a run's history. */
export interface State {
  id: string;
  type: StateType;
  name: string;
  timestamp: Date;
  message: string | null;
  stateDetails: StateDetails;
  data: unknown;
  created: Date;
}

export interface StateInput {
  type: StateType;
  /** Stored as the run's state_name and the history row's name; these columns are indexed. */
  name?: string | undefined;
  timestamp?: string | Date | undefined;
  message?: string | null | undefined;
  stateDetails?: StateDetailsInput | undefined;
  data?: unknown;
}

/** The filters of `taskRuns.list` without sorting and paging: what `count` and `countByState` take. */
export interface TaskRunQuery {
  flowRun?: FlowRunWhere | undefined;
  flow?: FlowWhere | undefined;
  deployment?: RelatedDeploymentFilter | undefined;
  where?: TaskRunWhere | undefined;
}
