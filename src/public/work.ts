/** Work pools, work queues and workers. */
import type { JsonObject } from '../schema/json-types.js';
import type { IdFilter, TextFilter } from './filters.js';

export interface WorkPool {
  id: string;
  name: string;
  created: Date;
  updated: Date;
  description: string | null;
  type: string;
  baseJobTemplate: JsonObject;
  isPaused: boolean;
  defaultQueueId: string | null;
  concurrencyLimit: number | null;
  status: 'READY' | 'NOT_READY' | 'PAUSED';
  lastTransitionedStatusAt: Date | null;
  storageConfiguration: JsonObject;
}

export interface WorkPoolCreate {
  name: string;
  type?: string | undefined;
  description?: string | null | undefined;
  baseJobTemplate?: JsonObject | undefined;
  isPaused?: boolean | undefined;
  concurrencyLimit?: number | null | undefined;
  storageConfiguration?: JsonObject | undefined;
}

export interface WorkPoolListOptions {
  where?:
    | { id?: IdFilter | undefined; name?: TextFilter | undefined; type?: TextFilter | undefined }
    | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface WorkPoolUpdate {
  description?: string | null | undefined;
  baseJobTemplate?: JsonObject | undefined;
  isPaused?: boolean | undefined;
  concurrencyLimit?: number | null | undefined;
  storageConfiguration?: JsonObject | undefined;
}

export interface WorkQueue {
  id: string;
  name: string;
  created: Date;
  updated: Date;
  description: string;
  isPaused: boolean;
  concurrencyLimit: number | null;
  status: 'READY' | 'NOT_READY' | 'PAUSED';
  workPoolId: string;
  priority: number;
  lastPolled: Date | null;
}

export interface WorkQueueCreate {
  workPoolName: string;
  name: string;
  priority?: number | undefined;
  concurrencyLimit?: number | null | undefined;
  isPaused?: boolean | undefined;
  description?: string | undefined;
}

export interface WorkQueueUpdate {
  name?: string | undefined;
  priority?: number | undefined;
  concurrencyLimit?: number | null | undefined;
  isPaused?: boolean | undefined;
  description?: string | undefined;
}

export interface Worker {
  id: string;
  name: string;
  created: Date;
  updated: Date;
  status: 'ONLINE' | 'OFFLINE';
  workPoolId: string;
  lastHeartbeatTime: Date;
  heartbeatIntervalSeconds: number | null;
}

export interface RefreshStatusOptions {
  now?: string | Date | undefined;
  batchSize?: number | undefined;
}

/** What `workPools.refreshStatus()` changed, by id. */
export interface RefreshStatusResult {
  /** Workers that went OFFLINE. */
  workers: string[];
  /** Pools whose status changed, with the new status. */
  pools: { id: string; status: 'READY' | 'NOT_READY' | 'PAUSED' }[];
  /** Queues that went NOT_READY (not polled for 60 s). */
  queues: string[];
  /** Deployments that went NOT_READY (not polled for 60 s). */
  deployments: string[];
}

export interface ClaimOptions {
  workPoolName: string;
  limit: number;
  /**
   * Only these queues of the pool (1 to 1,000 names); leave it out to poll every queue. An empty
   * list is a ValidationError: it would poll nothing.
   * @example { workPoolName: 'k8s', workQueueNames: ['gpu'], limit: 10 }
   */
  workQueueNames?: string[] | undefined;
  workerName?: string | undefined;
  scheduledBefore?: string | Date | undefined;
}

/** What `workQueues.list` takes: the queues of one pool, or of all. */
export interface WorkQueueListOptions {
  where?: { workPoolName?: string | undefined } | undefined;
}

/** A worker's heartbeat. */
export interface WorkerHeartbeat {
  workPoolName: string;
  name: string;
  /** Seconds between heartbeats (1 to 86,400); the worker is OFFLINE after 3 × this without one. */
  heartbeatIntervalSeconds?: number | undefined;
}

/** Paging for `workers.list`, and the instant its status is derived at. */
export interface WorkerListOptions {
  limit?: number | undefined;
  offset?: number | undefined;
  /**
   * Derive each worker's status at this instant (default: now), as `workPools.refreshStatus({ now })`
   * does: OFFLINE once `now` is more than 3 × its heartbeat interval after its last heartbeat.
   */
  now?: Date | string | undefined;
}
