/** The public interfaces of `db.deployments` and `db.deployments.schedules`. */
import type {
  Deployment,
  DeploymentFlowRunCreate,
  DeploymentListOptions,
  DeploymentSchedule,
  DeploymentUpdate,
  DeploymentUpsert,
  DeploymentWhere,
  ScheduleDueOptions,
  ScheduleInput,
  ScheduleRunsOptions,
} from './deployments.js';
import type { FlowRun } from './runs.js';

/** Deployments: upsert by flow + name, schedules, and generating scheduled runs from them. */
export interface DeploymentRepository {
  /** A deployment's schedules: create, list, update, delete. */
  readonly schedules: DeploymentSchedules;
  /**
   * Creates SCHEDULED runs from the deployment's active schedules in [start, end) (default: now to
   * 100 days ahead, at most `max` = 100 per schedule), in bulk. Idempotency keys make a second call
   * create nothing; returns the runs it created, in start-time order. A paused deployment gets none.
   * @throws ValidationError naming `end` when it is before `start` (or now); NotFoundError for a missing deployment.
   * @example const runs = await db.deployments.scheduleRuns(deployment.id, { end: new Date(Date.now() + 86_400_000) });
   */
  scheduleRuns(id: string, options?: ScheduleRunsOptions): Promise<FlowRun[]>;
  /**
   * The scheduler loop service (Prefect's scheduler): finds, in batches of `batchSize` (100), the
   * unpaused deployments with an active schedule that have fewer than `minRuns` (3) future
   * auto-scheduled runs or none at or beyond `now + minTime` ('1h'), and creates their runs from
   * `now`: per schedule until it has `minRuns` runs and one at or past `now + minTime`, never more
   * than `maxRuns` (100) nor beyond `now + maxTime` ('100d'). Durations are milliseconds (a number) or strings such
   * as '15s', '1h', '100d'. `now` moves the window only; timestamps use the library clock. A batch
   * is read without locks; each deployment missing runs is then written in a short transaction of
   * its own, never one transaction holding a batch's locks. A process leaves a deployment another
   * one is writing (PostgreSQL: a non-waiting advisory lock) and re-reads what is missing under the
   * deployment's lock, so processes calling it at once neither wait for each other nor create a
   * duplicate (the idempotency keys of scheduleRuns). Returns the runs created, per deployment in
   * start-time order. Call it every few seconds (docs/work.md, "Loop services").
   * @throws ValidationError on bad options.
   * @example setInterval(() => db.deployments.scheduleDue(), 10_000)
   */
  scheduleDue(options?: ScheduleDueOptions): Promise<FlowRun[]>;
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
  createFlowRun(id: string, options?: DeploymentFlowRunCreate): Promise<FlowRun>;
  /**
   * Creates or updates the deployment with this flow and name (a redeploy). With `schedules`, its
   * schedules are replaced, each keeping its id when matched by slug, else by an equal `schedule`
   * object (defaults filled in: `{ interval: 3600 }` is `{ interval: 3600, timezone: 'UTC' }`) in order (docs/work.md), so the runs already made from it stay recognised. A redeploy
   * deletes the deployment's future auto-scheduled runs nobody has claimed (the next `scheduleRuns`
   * or `scheduleDue` regenerates them from the new values); late runs and claimed runs stay. A paused
   * deployment keeps no auto-scheduled run still SCHEDULED.
   * @throws NotFoundError when the flow, pool or queue does not exist; ValidationError on bad input.
   * @example await db.deployments.upsert({ flowId, name: 'nightly', workPoolName: 'pool', schedules: [{ schedule: { cron: '0 2 * * *' } }] })
   */
  upsert(input: DeploymentUpsert): Promise<Deployment>;
  /**
   * The deployment with this id, or null.
   * @example const deployment = await db.deployments.get(id);
   */
  get(id: string): Promise<Deployment | null>;
  /**
   * The deployment named `deployment` of the flow named `flow`, or null.
   * @example const deployment = await db.deployments.getByName('etl', 'nightly');
   */
  getByName(flow: string, deployment: string): Promise<Deployment | null>;
  /**
   * Deployments matching `where`, sorted and paged.
   * @example const paused = await db.deployments.list({ where: { paused: { eq: true } } });
   */
  list(options?: DeploymentListOptions): Promise<Deployment[]>;
  /**
   * How many deployments match `where`.
   * @example const n = await db.deployments.count({ where: { flowId: { any: [flow.id] } } });
   */
  count(options?: { where?: DeploymentWhere }): Promise<number>;
  /**
   * Updates the deployment. A change to anything a run inherits (queue, pool, version, parameters,
   * job variables, tags, labels) deletes its future auto-scheduled runs nobody has claimed, so they
   * are regenerated from the new values; late ones stay (docs/work.md). Pausing deletes all its
   * auto-scheduled runs still SCHEDULED, late ones included; runs made by hand stay claimable.
   * @throws NotFoundError when the deployment, pool or queue does not exist; ValidationError on bad input.
   * @example await db.deployments.update(deployment.id, { parameters: { day: 'today' } });
   */
  update(id: string, patch: DeploymentUpdate): Promise<Deployment>;
  /**
   * Pauses the deployment: its auto-scheduled runs still SCHEDULED are deleted (late ones too, as
   * Prefect) and none are scheduled while paused; runs made by hand stay claimable.
   * @example await db.deployments.pause(deployment.id);
   */
  pause(id: string): Promise<Deployment>;
  /**
   * Resumes the deployment; schedules nothing by itself (`scheduleRuns` / `scheduleDue` do).
   * @example await db.deployments.resume(deployment.id);
   */
  resume(id: string): Promise<Deployment>;
  /**
   * Deletes the deployment and its SCHEDULED runs that never ran; other runs keep their history.
   * @example await db.deployments.delete(deployment.id);
   */
  delete(id: string): Promise<void>;
}

/** A deployment's schedules, and the scheduled runs generated from them. */
export interface DeploymentSchedules {
  /**
   * Adds schedules to the deployment; returns them. A deployment has at most 100 schedules
   * (`upsert` and `create` alike): more than 100 in one call is a ValidationError; more than the
   * room its stored schedules leave is a ConflictError (counted under the deployment's lock, so two
   * concurrent creates never pass the cap together), and nothing is written.
   * @throws NotFoundError when the deployment does not exist; ValidationError on bad input or
   *   (enforced) schedule parameters it refuses; ConflictError past the cap, or for a slug the
   *   deployment already has.
   * @example await db.deployments.schedules.create(deployment.id, [{ schedule: { interval: 3600 } }]);
   */
  create(id: string, schedules: ScheduleInput[]): Promise<DeploymentSchedule[]>;
  /**
   * The deployment's schedules.
   * @example const schedules = await db.deployments.schedules.list(deployment.id);
   */
  list(id: string): Promise<DeploymentSchedule[]>;
  /**
   * Changes one schedule of the deployment. A missing one is a NotFoundError.
   * @example await db.deployments.schedules.update(deployment.id, schedule.id, { active: false });
   */
  update(id: string, scheduleId: string, patch: Partial<ScheduleInput>): Promise<DeploymentSchedule>;
  /**
   * Deletes one schedule of the deployment. A missing one is a NotFoundError.
   * @example await db.deployments.schedules.delete(deployment.id, schedule.id);
   */
  delete(id: string, scheduleId: string): Promise<void>;
  /**
   * See DeploymentRepository.scheduleRuns.
   * @example await db.deployments.schedules.scheduleRuns(deployment.id, { max: 10 });
   */
  scheduleRuns(id: string, options?: ScheduleRunsOptions): Promise<FlowRun[]>;
}
