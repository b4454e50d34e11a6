/**
 * The public API's method names, per object of a handle: the calls a user makes, which the handle
 * checks on entry (refused after close() or on a `tx` handle whose transaction ended; database.ts).
 * The repositories' own helpers are methods too, called by the library on every transition and
 * row, and stay plain bound functions: with the check around them as well, a transition took 0–21%
 * more CPU in A/B runs of bench/transition-cpu.mjs (noisy; with public methods only, no difference
 * showed), and the library's own calls need no check.
 * `satisfies` keeps each list equal to its interface: a method added there and not here, or the
 * other way round, does not compile.
 */
import type { BlockDocumentRepository, BlockSchemaRepository, BlockTypeRepository } from './blocks-api.js';
import type { Database } from './database.js';
import type { DeploymentRepository, DeploymentSchedules } from './deployments-api.js';
import type { ConcurrencyLimitRepository, GlobalConcurrencyLimitRepository } from './limits-api.js';
import type { LogRepository } from './logs-api.js';
import type { FlowRepository, FlowRunRepository, TaskRunRepository } from './runs-api.js';
import type { WorkPoolRepository, WorkQueueRepository, WorkerRepository } from './work-api.js';

/** Every method of `T` (its function-valued keys), each `true`. */
type Methods<T> = {
  readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]-?: true;
};

export const PUBLIC_METHODS = {
  flows: {
    create: true,
    get: true,
    getByName: true,
    list: true,
    count: true,
    update: true,
    delete: true,
  } satisfies Methods<FlowRepository>,
  flowRuns: {
    create: true,
    markLate: true,
    failExpiredPauses: true,
    list: true,
    count: true,
    countByState: true,
    update: true,
    get: true,
    delete: true,
    states: true,
    setState: true,
  } satisfies Methods<FlowRunRepository>,
  taskRuns: {
    create: true,
    list: true,
    count: true,
    countByState: true,
    update: true,
    get: true,
    delete: true,
    states: true,
    setState: true,
  } satisfies Methods<TaskRunRepository>,
  deployments: {
    scheduleRuns: true,
    scheduleDue: true,
    createFlowRun: true,
    upsert: true,
    get: true,
    getByName: true,
    list: true,
    count: true,
    update: true,
    pause: true,
    resume: true,
    delete: true,
  } satisfies Methods<DeploymentRepository>,
  'deployments.schedules': {
    create: true,
    list: true,
    update: true,
    delete: true,
    scheduleRuns: true,
  } satisfies Methods<DeploymentSchedules>,
  workPools: {
    refreshStatus: true,
    create: true,
    get: true,
    getByName: true,
    list: true,
    update: true,
    delete: true,
  } satisfies Methods<WorkPoolRepository>,
  workQueues: {
    create: true,
    get: true,
    getByName: true,
    list: true,
    update: true,
    delete: true,
    getScheduledRuns: true,
    claimScheduledRuns: true,
  } satisfies Methods<WorkQueueRepository>,
  workers: { heartbeat: true, list: true, delete: true } satisfies Methods<WorkerRepository>,
  globalConcurrencyLimits: {
    create: true,
    get: true,
    getByName: true,
    list: true,
    count: true,
    update: true,
    delete: true,
    acquire: true,
    release: true,
    renewLease: true,
    releaseLease: true,
    reclaimExpiredLeases: true,
    listLeases: true,
  } satisfies Methods<GlobalConcurrencyLimitRepository>,
  concurrencyLimits: {
    create: true,
    get: true,
    getByTag: true,
    list: true,
    delete: true,
    reset: true,
    acquire: true,
    release: true,
    releaseFinished: true,
    listLeases: true,
  } satisfies Methods<ConcurrencyLimitRepository>,
  blockTypes: {
    upsert: true,
    get: true,
    getBySlug: true,
    list: true,
    delete: true,
  } satisfies Methods<BlockTypeRepository>,
  blockSchemas: {
    create: true,
    get: true,
    getByChecksum: true,
    list: true,
    delete: true,
  } satisfies Methods<BlockSchemaRepository>,
  blockDocuments: {
    create: true,
    get: true,
    getByName: true,
    list: true,
    count: true,
    update: true,
    delete: true,
    rotateEncryptionKey: true,
  } satisfies Methods<BlockDocumentRepository>,
  logs: {
    createMany: true,
    list: true,
    count: true,
    stream: true,
    deleteBefore: true,
  } satisfies Methods<LogRepository>,
  /** The handle's own; a `tx` handle has `transaction` and `execute`. */
  db: {
    transaction: true,
    execute: true,
    migrate: true,
    reset: true,
    close: true,
  } satisfies Methods<Database>,
} as const;

/** An object of a handle, as PUBLIC_METHODS names it. */
export type PublicObject = keyof typeof PUBLIC_METHODS;
