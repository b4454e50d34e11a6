/** Deployments and their schedules. */
import type {
  ConcurrencyOptions,
  CreatedBy,
  EmpiricalPolicy,
  JsonObject,
  JsonValue,
  Schedule,
} from '../schema/json-types.js';
import type { IdFilter, TagsFilter, TextFilter } from './filters.js';
import type { StateInput } from './runs.js';

export interface Deployment {
  id: string;
  name: string;
  created: Date;
  updated: Date;
  flowId: string;
  version: string | null;
  description: string | null;
  workQueueId: string | null;
  workQueueName: string | null;
  path: string | null;
  entrypoint: string | null;
  parameters: JsonObject;
  parameterOpenapiSchema: JsonValue;
  enforceParameterSchema: boolean;
  jobVariables: JsonObject;
  pullSteps: JsonValue;
  tags: string[];
  labels: Record<string, string> | null;
  paused: boolean;
  status: 'READY' | 'NOT_READY';
  lastPolled: Date | null;
  concurrencyLimit: number | null;
  concurrencyOptions: ConcurrencyOptions | null;
  createdBy: CreatedBy | null;
  updatedBy: CreatedBy | null;
}

/** Options of `deployments.createFlowRun`: what the run gets beyond what it inherits (docs/work.md). */
export interface DeploymentFlowRunCreate {
  name?: string | undefined;
  parameters?: JsonObject | undefined;
  jobVariables?: JsonObject | undefined;
  tags?: string[] | undefined;
  labels?: Record<string, string> | null | undefined;
  createdBy?: CreatedBy | null | undefined;
  idempotencyKey?: string | null | undefined;
  context?: JsonObject | undefined;
  empiricalPolicy?: EmpiricalPolicy | undefined;
  parentTaskRunId?: string | null | undefined;
  /** An initial state, applied with the bookkeeping in the same transaction. */
  state?: StateInput | undefined;
  enforceParameterSchema?: boolean | undefined;
}

export interface DeploymentListOptions {
  where?:
    | {
        id?: IdFilter | undefined;
        name?: TextFilter | undefined;
        flowOrDeploymentName?: { like: string } | undefined;
        paused?: { eq: boolean } | undefined;
        tags?: TagsFilter | undefined;
        workQueueName?: TextFilter | undefined;
        flowId?: IdFilter | undefined;
      }
    | undefined;
  sort?: 'CREATED_DESC' | 'UPDATED_DESC' | 'NAME_ASC' | 'NAME_DESC' | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** The fields of `deployments.update` and `upsert` besides the queue (DeploymentQueue). */
interface DeploymentFields {
  version?: string | null | undefined;
  description?: string | null | undefined;
  path?: string | null | undefined;
  entrypoint?: string | null | undefined;
  parameters?: JsonObject | undefined;
  /** A JSON Schema (2020-12) for `parameters`, checked by `createFlowRun` when enforced. */
  parameterOpenapiSchema?: JsonValue | undefined;
  enforceParameterSchema?: boolean | undefined;
  jobVariables?: JsonObject | undefined;
  pullSteps?: JsonValue | undefined;
  tags?: string[] | undefined;
  labels?: Record<string, string> | null | undefined;
  paused?: boolean | undefined;
  /** Runs in PENDING/RUNNING/CANCELLING at once: at least 1, null for no limit (0 is a ValidationError). */
  concurrencyLimit?: number | null | undefined;
  concurrencyOptions?: ConcurrencyOptions | null | undefined;
  createdBy?: CreatedBy | null | undefined;
  updatedBy?: CreatedBy | null | undefined;
}

/**
 * How a deployment names its queue: by `workQueueId` (as flow runs do), or by `workPoolName` and
 * `workQueueName` (the pool's default queue without a name), never both; the compiler refuses both
 * here, and a ValidationError refuses them at run time (docs/work.md, "db.deployments").
 * @example { workPoolName: 'k8s', workQueueName: 'gpu' } or { workQueueId: queue.id }
 */
export type DeploymentQueue =
  | {
      /** The queue by id; null detaches the deployment from its queue. */
      workQueueId?: string | null | undefined;
      workPoolName?: never;
      workQueueName?: never;
    }
  | {
      workQueueId?: never;
      workPoolName?: string | undefined;
      /** Stored in deployment.work_queue_name and looked up in work_queue.name, both indexed. */
      workQueueName?: string | null | undefined;
    };

/** `deployments.update`: the fields to change (all optional); the queue by id or by name, not both. */
export type DeploymentUpdate = DeploymentFields & DeploymentQueue;

/** `deployments.upsert`: the flow and name that identify the deployment, and its fields. */
export type DeploymentUpsert = DeploymentUpdate & {
  flowId: string;
  name: string;
  /**
   * When given, replaces the schedules (at most 100 a deployment), each keeping its id when matched
   * by slug or equal schedule (defaults filled in).
   */
  schedules?: ScheduleInput[] | undefined;
};

export interface DeploymentWhere {
  id?: IdFilter | undefined;
  name?: TextFilter | undefined;
  /** Matches the deployment's name or its flow's name. */
  flowOrDeploymentName?: { like: string } | undefined;
  paused?: { eq: boolean } | undefined;
  tags?: TagsFilter | undefined;
  workQueueName?: TextFilter | undefined;
  flowId?: IdFilter | undefined;
}

export interface DeploymentSchedule {
  id: string;
  created: Date;
  updated: Date;
  parameters: JsonObject;
  deploymentId: string;
  slug: string | null;
  schedule: Schedule;
  active: boolean;
  maxScheduledRuns: number | null;
}

/**
 * A schedule as given: an interval (seconds; `anchorDate` a time), a cron or an RRULE string, one
 * kind only (the compiler refuses a second kind's keys; a ValidationError refuses them at run time).
 * @example { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }
 */
export type ScheduleSpec =
  | {
      interval: number;
      anchorDate?: string | Date | undefined;
      timezone?: string | null | undefined;
      cron?: never;
      dayOr?: never;
      rrule?: never;
    }
  | {
      cron: string;
      timezone?: string | null | undefined;
      /** false: day-of-month AND day-of-week must both match (default: either, as cron). */
      dayOr?: boolean | undefined;
      interval?: never;
      anchorDate?: never;
      rrule?: never;
    }
  | {
      rrule: string;
      timezone?: string | null | undefined;
      interval?: never;
      anchorDate?: never;
      cron?: never;
      dayOr?: never;
    };

export interface ScheduleInput {
  schedule: ScheduleSpec;
  active?: boolean | undefined;
  maxScheduledRuns?: number | null | undefined;
  parameters?: JsonObject | undefined;
  slug?: string | null | undefined;
}

export interface ScheduleRunsOptions {
  start?: string | Date | undefined;
  end?: string | Date | undefined;
  max?: number | undefined;
}

/**
 * Options of `deployments.scheduleDue`: `now` (a time; moves the window only), `minRuns` (3),
 * `maxRuns` (100), `minTime` ('1h'), `maxTime` ('100d'), durations as milliseconds or `'15s'`-style strings (docs/repositories.md, "Input limits"),
 * `batchSize` (100 deployments a transaction).
 */
export interface ScheduleDueOptions {
  now?: string | Date | undefined;
  minRuns?: number | undefined;
  maxRuns?: number | undefined;
  minTime?: string | number | undefined;
  maxTime?: string | number | undefined;
  batchSize?: number | undefined;
}
