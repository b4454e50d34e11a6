/** The public interfaces of `db.workPools`, `db.workQueues` and `db.workers`. */
import type { FlowRun } from './runs.js';
import type {
  ClaimOptions,
  RefreshStatusOptions,
  RefreshStatusResult,
  WorkPool,
  WorkPoolCreate,
  WorkPoolListOptions,
  WorkPoolUpdate,
  WorkQueue,
  WorkQueueCreate,
  WorkQueueListOptions,
  WorkQueueUpdate,
  Worker,
  WorkerHeartbeat,
  WorkerListOptions,
} from './work.js';

/** Work pools: each has a `default` queue, created with it, that cannot be deleted. */
export interface WorkPoolRepository {
  /**
   * Loop service, the foreman (Prefect's; call every ~30 s): workers OFFLINE after 3 × their
   * heartbeat interval (90 s without one); pools PAUSED while paused, else READY with an online
   * worker, NOT_READY without; queues and deployments NOT_READY when not polled for 60 s (a claim
   * marks them READY). In bulk, safe from two processes at once.
   * @returns the ids of what changed (pools with their new status).
   * @example const { workers, pools } = await db.workPools.refreshStatus()
   */
  refreshStatus(options?: RefreshStatusOptions): Promise<RefreshStatusResult>;
  /**
   * Creates a pool and its `default` queue (priority 1). A taken name is a ConflictError.
   * @example const pool = await db.workPools.create({ name: 'k8s', type: 'kubernetes' });
   */
  create(input: WorkPoolCreate): Promise<WorkPool>;
  /**
   * The pool with this id, or null.
   * @example const pool = await db.workPools.get(id);
   */
  get(id: string): Promise<WorkPool | null>;
  /**
   * The pool with this name, or null.
   * @example const pool = await db.workPools.getByName('k8s');
   */
  getByName(name: string): Promise<WorkPool | null>;
  /**
   * Pools by name.
   * @example const pools = await db.workPools.list({ limit: 20 });
   */
  list(options?: WorkPoolListOptions): Promise<WorkPool[]>;
  /**
   * Updates a pool; pausing sets status PAUSED, unpausing NOT_READY (a worker heartbeat makes it READY).
   * @example await db.workPools.update(pool.id, { concurrencyLimit: 10 });
   */
  update(id: string, patch: WorkPoolUpdate): Promise<WorkPool>;
  /**
   * Deletes a pool with its queues and workers; its deployments and runs stay, detached: no queue
   * id and no queue name, so nothing claims them until moved (docs/work.md, "Deleting a queue").
   * @throws NotFoundError when the pool does not exist.
   * @example await db.workPools.delete(pool.id);
   */
  delete(id: string): Promise<void>;
}

/**
 * Work queues. Priorities are unique and dense within a pool (1 = first): inserting at p shifts the
 * queues at p and after; deleting closes the gap. Priority changes lock the pool row.
 */
export interface WorkQueueRepository {
  /**
   * Creates a queue in the pool at `priority` (default: last). A taken name is a ConflictError; a missing pool a NotFoundError.
   * @example const queue = await db.workQueues.create({ workPoolName: 'k8s', name: 'gpu', priority: 1 });
   */
  create(input: WorkQueueCreate): Promise<WorkQueue>;
  /**
   * The queue with this id, or null.
   * @example const queue = await db.workQueues.get(id);
   */
  get(id: string): Promise<WorkQueue | null>;
  /**
   * The queue `workQueueName` of the pool `workPoolName`, or null.
   * @example const queue = await db.workQueues.getByName('k8s', 'default');
   */
  getByName(workPoolName: string, workQueueName: string): Promise<WorkQueue | null>;
  /**
   * Queues in priority order (by pool name first when no pool is given).
   * @example const queues = await db.workQueues.list({ where: { workPoolName: 'k8s' } });
   */
  list(options?: WorkQueueListOptions): Promise<WorkQueue[]>;
  /**
   * Updates a queue; a new priority moves the others to keep priorities dense.
   * @example await db.workQueues.update(queue.id, { priority: 1, isPaused: false });
   */
  update(id: string, patch: WorkQueueUpdate): Promise<WorkQueue>;
  /**
   * Deletes a queue and closes the priority gap. Its deployments and runs are detached in the same
   * transaction (`workQueueId` and `workQueueName` both null), not moved to another queue.
   * @throws ConflictError for the pool's default queue; NotFoundError when the queue does not exist.
   * @example await db.workQueues.delete(queue.id);
   */
  delete(id: string): Promise<void>;
  /**
   * The runs claimScheduledRuns would claim now, without claiming them (read-only).
   * @example const due = await db.workQueues.getScheduledRuns({ workPoolName: 'k8s', limit: 10 });
   */
  getScheduledRuns(options: ClaimOptions): Promise<FlowRun[]>;
  /**
   * Atomically moves up to `limit` due SCHEDULED runs of the pool to PENDING and returns them:
   * strict queue priority, then next scheduled time, then id; queue, pool and deployment limits
   * never exceeded; concurrent callers never receive the same run. Sleep before polling again after
   * an empty result: on SQLite, processes claiming in a tight loop starve other processes' writes
   * (docs/work.md, "Back off after an empty claim").
   * @example const runs = await db.workQueues.claimScheduledRuns({ workPoolName: 'k8s', limit: 10, workerName: 'w1' });
   */
  claimScheduledRuns(options: ClaimOptions): Promise<FlowRun[]>;
}

/** Workers: heartbeats per pool; status is derived from heartbeat age when read. */
export interface WorkerRepository {
  /**
   * Records a heartbeat (creating the worker on first beat); a NOT_READY pool becomes READY.
   * @example await db.workers.heartbeat({ workPoolName: 'k8s', name: 'w1', heartbeatIntervalSeconds: 30 });
   */
  heartbeat(input: WorkerHeartbeat): Promise<Worker>;
  /**
   * The pool's workers, most recent heartbeat first, with their status at `now` (default: the
   * clock; pass the `now` given to `workPools.refreshStatus` to see what it saw).
   * @throws NotFoundError when the pool does not exist; ValidationError on bad options.
   * @example const workers = await db.workers.list('k8s', { now: new Date('2030-01-01T00:05:00Z') });
   */
  list(workPoolName: string, options?: WorkerListOptions): Promise<Worker[]>;
  /**
   * Deletes the worker of that pool. A missing one is a NotFoundError.
   * @example await db.workers.delete('k8s', 'w1');
   */
  delete(workPoolName: string, workerName: string): Promise<void>;
}
