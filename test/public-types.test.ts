/**
 * The public types (src/public/, what the package's declarations show) against the types the
 * implementation works with (Drizzle rows, Zod inputs): a column, field or option added on one side
 * only fails this file's compilation (`npm run typecheck`), so the two cannot drift apart.
 *
 * - What the library returns: the same keys, each side assignable to the other.
 * - What callers pass: the same keys, and everything the public type allows the implementation
 *   takes (the public type may be narrower: JSON objects where Zod says `Record<string, unknown>`).
 *
 * The runtime half checks the emitted declarations: the files `@orion/db` and `@orion/db/testing`
 * reach import nothing outside the package (no drizzle-orm, drivers or Node types), so a consumer
 * compiles them without skipLibCheck and without @types/node.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { PGlite } from '@electric-sql/pglite';
import type postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type * as Public from '../src/index.js';
import type { DatabaseScope } from '../src/index.js';
import type {
  Flow as InternalFlow,
  FlowCreate as InternalFlowCreate,
  FlowUpdate as InternalFlowUpdate,
  FlowWhere as InternalFlowWhere,
  FlowListOptions as InternalFlowListOptions,
  FlowSort as InternalFlowSort,
} from '../src/repositories/flows.js';
import type {
  FlowRun as InternalFlowRun,
  FlowRunCreate as InternalFlowRunCreate,
  FlowRunUpdate as InternalFlowRunUpdate,
  FlowRunWhere as InternalFlowRunWhere,
  FlowRunQuery as InternalFlowRunQuery,
  FlowRunListOptions as InternalFlowRunListOptions,
} from '../src/repositories/flow-runs.js';
import type {
  TaskRun as InternalTaskRun,
  TaskRunCreate as InternalTaskRunCreate,
  TaskRunUpdate as InternalTaskRunUpdate,
  TaskRunWhere as InternalTaskRunWhere,
  TaskRunListOptions as InternalTaskRunListOptions,
} from '../src/repositories/task-runs.js';
import type {
  RunSort as InternalRunSort,
  SetStateOptions as InternalSetStateOptions,
  DerivedRunFields as InternalDerivedRunFields,
} from '../src/repositories/run-base.js';
import type { State as InternalState, StateInput as InternalStateInput } from '../src/repositories/states.js';
import type {
  MarkLateOptions as InternalMarkLateOptions,
  FailExpiredPausesOptions as InternalFailExpiredPausesOptions,
  RefreshStatusOptions as InternalRefreshStatusOptions,
  RefreshStatusResult as InternalRefreshStatusResult,
} from '../src/repositories/loop-services.js';
import type {
  IdFilter as InternalIdFilter,
  TagsFilter as InternalTagsFilter,
  TextFilter as InternalTextFilter,
  TimeFilter as InternalTimeFilter,
} from '../src/repositories/filters.js';
import type {
  Deployment as InternalDeployment,
  DeploymentUpsert as InternalDeploymentUpsert,
  DeploymentUpdate as InternalDeploymentUpdate,
  DeploymentWhere as InternalDeploymentWhere,
  DeploymentListOptions as InternalDeploymentListOptions,
} from '../src/repositories/deployments.js';
import type { DeploymentFlowRunCreate as InternalDeploymentFlowRunCreate } from '../src/repositories/deployment-runs.js';
import type {
  DeploymentSchedule as InternalDeploymentSchedule,
  ScheduleInput as InternalScheduleInput,
  ScheduleRunsOptions as InternalScheduleRunsOptions,
} from '../src/repositories/deployment-schedules.js';
import type { ScheduleDueOptions as InternalScheduleDueOptions } from '../src/repositories/scheduler.js';
import type {
  WorkPool as InternalWorkPool,
  WorkPoolCreate as InternalWorkPoolCreate,
  WorkPoolUpdate as InternalWorkPoolUpdate,
  WorkPoolListOptions as InternalWorkPoolListOptions,
} from '../src/repositories/work-pools.js';
import type {
  WorkQueue as InternalWorkQueue,
  WorkQueueCreate as InternalWorkQueueCreate,
  WorkQueueUpdate as InternalWorkQueueUpdate,
} from '../src/repositories/work-queues.js';
import type { Worker as InternalWorker } from '../src/repositories/workers.js';
import type { ClaimOptions as InternalClaimOptions } from '../src/repositories/claiming.js';
import type { GlobalConcurrencyLimit as InternalGlobalConcurrencyLimit } from '../src/repositories/limits/views.js';
import type { ConcurrencyLimit as InternalConcurrencyLimit } from '../src/repositories/concurrency-limits.js';
import type {
  Lease as InternalLease,
  AcquireInput as InternalAcquireInput,
  AcquireResult as InternalAcquireResult,
  GlobalLimitCreate as InternalGlobalLimitCreate,
  GlobalLimitList as InternalGlobalLimitList,
  GlobalLimitUpdate as InternalGlobalLimitUpdate,
  ListLeasesInput as InternalListLeasesInput,
  ReleaseInput as InternalReleaseInput,
  TagAcquireInput as InternalTagAcquireInput,
  TagLimitCreate as InternalTagLimitCreate,
} from '../src/repositories/limits/inputs.js';
import type { BlockType as InternalBlockType } from '../src/repositories/blocks/block-types.js';
import type { BlockSchema as InternalBlockSchema } from '../src/repositories/blocks/block-schemas.js';
import type { BlockDocument as InternalBlockDocument } from '../src/repositories/blocks/documents-read.js';
import type { RotationResult as InternalRotationResult } from '../src/repositories/blocks/block-documents.js';
import type {
  BlockDocumentCreate as InternalBlockDocumentCreate,
  BlockDocumentListOptions as InternalBlockDocumentListOptions,
  BlockDocumentReadOptions as InternalBlockDocumentReadOptions,
  BlockDocumentUpdate as InternalBlockDocumentUpdate,
  BlockDocumentWhere as InternalBlockDocumentWhere,
  BlockSchemaCreate as InternalBlockSchemaCreate,
  BlockSchemaListOptions as InternalBlockSchemaListOptions,
  BlockTypeListOptions as InternalBlockTypeListOptions,
  BlockTypeUpsert as InternalBlockTypeUpsert,
} from '../src/repositories/blocks/inputs.js';
import type { Log as InternalLog } from '../src/repositories/logs.js';
import type {
  LogCreate as InternalLogCreate,
  LogLevelName as InternalLogLevelName,
} from '../src/repositories/logs/rows.js';
import type {
  LogListOptions as InternalLogListOptions,
  LogSort as InternalLogSort,
  LogStreamOptions as InternalLogStreamOptions,
  LogWhere as InternalLogWhere,
} from '../src/repositories/logs/inputs.js';
import { publicDeclarationImports } from './support/declarations.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assignable<A, B> = [A] extends [B] ? true : false;
/** Returned types: same keys, mutually assignable. */
type Same<P, I> =
  Equal<keyof P, keyof I> extends true ? (Assignable<P, I> extends true ? Assignable<I, P> : false) : false;
/** Input types: same keys, and the public one is accepted by the implementation. */
type Accepted<P, I> = Equal<keyof P, keyof I> extends true ? Assignable<P, I> : false;
type AllTrue<T extends readonly true[]> = T;

// biome-ignore lint/suspicious/noExportsInTest: exported so the compile-time checks are not unused
export type ReturnedTypes = AllTrue<
  [
    Same<Public.Flow, InternalFlow>,
    Same<Public.FlowSort, InternalFlowSort>,
    Same<Public.FlowRun, InternalFlowRun>,
    Same<Public.TaskRun, InternalTaskRun>,
    Same<Public.RunSort, InternalRunSort>,
    Same<Public.DerivedRunFields, InternalDerivedRunFields>,
    Same<Public.State, InternalState>,
    Same<Public.RefreshStatusResult, InternalRefreshStatusResult>,
    Same<Public.Deployment, InternalDeployment>,
    Same<Public.DeploymentSchedule, InternalDeploymentSchedule>,
    Same<Public.WorkPool, InternalWorkPool>,
    Same<Public.WorkQueue, InternalWorkQueue>,
    Same<Public.Worker, InternalWorker>,
    Same<Public.GlobalConcurrencyLimit, InternalGlobalConcurrencyLimit>,
    Same<Public.ConcurrencyLimit, InternalConcurrencyLimit>,
    Same<Public.Lease, InternalLease>,
    Same<Public.AcquireResult, InternalAcquireResult>,
    Same<Public.BlockType, InternalBlockType>,
    Same<Public.BlockSchema, InternalBlockSchema>,
    Same<Public.BlockDocument, InternalBlockDocument>,
    Same<Public.RotationResult, InternalRotationResult>,
    Same<Public.Log, InternalLog>,
    Same<Public.LogLevelName, InternalLogLevelName>,
    Same<Public.LogSort, InternalLogSort>,
  ]
>;

// biome-ignore lint/suspicious/noExportsInTest: exported so the compile-time checks are not unused
export type InputTypes = AllTrue<
  [
    Accepted<Public.FlowCreate, InternalFlowCreate>,
    Accepted<Public.FlowUpdate, InternalFlowUpdate>,
    Accepted<Public.FlowWhere, InternalFlowWhere>,
    Accepted<Public.FlowListOptions, InternalFlowListOptions>,
    Accepted<Public.FlowRunCreate, InternalFlowRunCreate>,
    Accepted<Public.FlowRunUpdate, InternalFlowRunUpdate>,
    Accepted<Public.FlowRunWhere, InternalFlowRunWhere>,
    Accepted<Public.FlowRunQuery, InternalFlowRunQuery>,
    Accepted<Public.FlowRunListOptions, InternalFlowRunListOptions>,
    Accepted<Public.TaskRunCreate, InternalTaskRunCreate>,
    Accepted<Public.TaskRunUpdate, InternalTaskRunUpdate>,
    Accepted<Public.TaskRunWhere, InternalTaskRunWhere>,
    Accepted<Public.TaskRunListOptions, InternalTaskRunListOptions>,
    Accepted<Public.SetStateOptions, InternalSetStateOptions>,
    Accepted<Public.StateInput, InternalStateInput>,
    Accepted<Public.MarkLateOptions, InternalMarkLateOptions>,
    Accepted<Public.FailExpiredPausesOptions, InternalFailExpiredPausesOptions>,
    Accepted<Public.RefreshStatusOptions, InternalRefreshStatusOptions>,
    Accepted<Public.IdFilter, InternalIdFilter>,
    Accepted<Public.TagsFilter, InternalTagsFilter>,
    Accepted<Public.TextFilter, InternalTextFilter>,
    Accepted<Public.TimeFilter, InternalTimeFilter>,
    Accepted<Public.DeploymentUpsert, InternalDeploymentUpsert>,
    Accepted<Public.DeploymentUpdate, InternalDeploymentUpdate>,
    Accepted<Public.DeploymentWhere, InternalDeploymentWhere>,
    Accepted<Public.DeploymentListOptions, InternalDeploymentListOptions>,
    Accepted<Public.DeploymentFlowRunCreate, InternalDeploymentFlowRunCreate>,
    Accepted<Public.ScheduleInput, InternalScheduleInput>,
    Accepted<Public.ScheduleRunsOptions, InternalScheduleRunsOptions>,
    Accepted<Public.ScheduleDueOptions, InternalScheduleDueOptions>,
    Accepted<Public.WorkPoolCreate, InternalWorkPoolCreate>,
    Accepted<Public.WorkPoolUpdate, InternalWorkPoolUpdate>,
    Accepted<Public.WorkPoolListOptions, InternalWorkPoolListOptions>,
    Accepted<Public.WorkQueueCreate, InternalWorkQueueCreate>,
    Accepted<Public.WorkQueueUpdate, InternalWorkQueueUpdate>,
    Accepted<Public.ClaimOptions, InternalClaimOptions>,
    Accepted<Public.AcquireInput, InternalAcquireInput>,
    Accepted<Public.GlobalLimitCreate, InternalGlobalLimitCreate>,
    Accepted<Public.GlobalLimitList, InternalGlobalLimitList>,
    Accepted<Public.GlobalLimitUpdate, InternalGlobalLimitUpdate>,
    Accepted<Public.ListLeasesInput, InternalListLeasesInput>,
    Accepted<Public.ReleaseInput, InternalReleaseInput>,
    Accepted<Public.TagAcquireInput, InternalTagAcquireInput>,
    Accepted<Public.TagLimitCreate, InternalTagLimitCreate>,
    Accepted<Public.BlockDocumentCreate, InternalBlockDocumentCreate>,
    Accepted<Public.BlockDocumentListOptions, InternalBlockDocumentListOptions>,
    Accepted<Public.BlockDocumentReadOptions, InternalBlockDocumentReadOptions>,
    Accepted<Public.BlockDocumentUpdate, InternalBlockDocumentUpdate>,
    Accepted<Public.BlockDocumentWhere, InternalBlockDocumentWhere>,
    Accepted<Public.BlockSchemaCreate, InternalBlockSchemaCreate>,
    Accepted<Public.BlockSchemaListOptions, InternalBlockSchemaListOptions>,
    Accepted<Public.BlockTypeListOptions, InternalBlockTypeListOptions>,
    Accepted<Public.BlockTypeUpsert, InternalBlockTypeUpsert>,
    Accepted<Public.LogCreate, InternalLogCreate>,
    Accepted<Public.LogListOptions, InternalLogListOptions>,
    Accepted<Public.LogStreamOptions, InternalLogStreamOptions>,
    Accepted<Public.LogWhere, InternalLogWhere>,
  ]
>;

// The drivers' own clients are clients; a number or an unrelated object is not.
// biome-ignore lint/suspicious/noExportsInTest: exported so the compile-time checks are not unused
export type Clients = AllTrue<
  [
    Assignable<SqliteDatabase.Database, Public.Client>,
    Assignable<postgres.Sql, Public.Client>,
    Assignable<PGlite, Public.Client>,
    Equal<Assignable<42, Public.Client>, false>,
    Equal<Assignable<{ query: () => 1 }, Public.Client>, false>,
  ]
>;

// JSON fields take JSON objects only; the library's own JSON has its shape.
// biome-ignore lint/suspicious/noExportsInTest: exported so the compile-time checks are not unused
export type JsonFields = AllTrue<
  [
    Equal<Assignable<{ flowId: string; parameters: 'x' }, Public.FlowRunCreate>, false>,
    Equal<Assignable<{ flowId: string; jobVariables: 42 }, Public.FlowRunCreate>, false>,
    Equal<Assignable<{ flowId: string; parameters: { at: Date } }, Public.FlowRunCreate>, false>,
    Equal<Assignable<{ type: 'RUNNING'; stateDetails: 'x' }, Public.StateInput>, false>,
    Equal<Assignable<{ flowId: string; empiricalPolicy: { retries: 'x' } }, Public.FlowRunCreate>, false>,
    Assignable<{ flowId: string; parameters: { a: [1, 'x', null, { b: true }] } }, Public.FlowRunCreate>,
    Assignable<{ type: 'SCHEDULED'; stateDetails: { scheduledTime: Date } }, Public.StateInput>,
  ]
>;

// The repositories show their public methods only.
// biome-ignore lint/suspicious/noExportsInTest: exported so the compile-time checks are not unused
export type NoInternals = AllTrue<
  [
    Equal<'conditions' extends keyof DatabaseScope['flowRuns'] ? true : false, false>,
    Equal<'lockWhere' extends keyof DatabaseScope['taskRuns'] ? true : false, false>,
    Equal<'conditions' extends keyof DatabaseScope['flows'] ? true : false, false>,
  ]
>;

// A transaction's callback may be a plain function: its value, awaited or not, is what resolves
// (docs/database.md, "Transactions").
declare const scope: DatabaseScope;
const plainValue = () => scope.transaction(() => 42);
const promisedValue = () => scope.transaction(async (tx) => tx.flows.create({ name: 'f' }));
const nestedPromise = () => scope.transaction(() => Promise.resolve('x'));
const noValue = () => scope.transaction(() => {});
// biome-ignore lint/suspicious/noExportsInTest: exported so the compile-time checks are not unused
export type TransactionCallbacks = AllTrue<
  [
    Equal<ReturnType<typeof plainValue>, Promise<number>>,
    Equal<ReturnType<typeof promisedValue>, Promise<Public.Flow>>,
    Equal<ReturnType<typeof nestedPromise>, Promise<string>>,
    Equal<ReturnType<typeof noValue>, Promise<void>>,
    // A helper typed on DatabaseScope takes both db and tx (docs/database.md); one on Database not tx.
    Assignable<Public.Database, DatabaseScope>,
    Equal<Assignable<DatabaseScope, Public.Database>, false>,
    Equal<Parameters<Parameters<DatabaseScope['transaction']>[0]>[0], DatabaseScope>,
  ]
>;
// biome-ignore lint/suspicious/noExportsInTest: exported so the compile-time check is not unused
export const notAFunction = () =>
  // @ts-expect-error the callback must be a function
  scope.transaction(42);

describe('the published declarations', () => {
  it('reach no module outside the package and no Node global', { timeout: 120_000 }, () => {
    const { files, external } = publicDeclarationImports();
    expect(files).toContain('index.d.ts');
    expect(files).toContain('testing/index.d.ts');
    expect(files).toContain('public/runs-api.d.ts');
    expect(external).toEqual([]);
  });
});
