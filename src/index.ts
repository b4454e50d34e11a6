/** @orion/db: the public surface. Every export is listed here by hand. */
export { createDatabase, migrate } from './database.js';
export type { Database, DatabaseOptions, DatabaseScope } from './database.js';
export {
  ConfigurationError,
  ConflictError,
  DatabaseError,
  MigrationError,
  NotFoundError,
  OrionDbError,
  StaleStateError,
  UnsupportedDatabaseError,
  ValidationError,
} from './errors.js';
export type { MigrationStepResult, ValidationIssue } from './errors.js';
export type { DialectName, DriverName } from './dialect/dialect.js';
export type {
  MigrateOptions,
  MigrateResult,
  MigrationHistoryEntry,
  MigrationStatus,
  RevisionRef,
} from './migrations/migrator.js';
export type {
  ColumnShape,
  ForeignKeyShape,
  IndexShape,
  SchemaShape,
  TableShape,
} from './introspection/schema-shape.js';
export { loadSettings } from './settings/load.js';
export type { DatabaseConfig, Settings, SettingSource, SettingOrigin } from './settings/load.js';
export { describeOrigin } from './settings/sources.js';
export { SETTING_KEYS } from './settings/keys.js';
export type { SettingKey } from './settings/keys.js';
export { maskSecrets } from './settings/mask.js';
export { parseDatabaseUrl } from './settings/url.js';
export type { DatabaseTarget } from './settings/url.js';
export { STATE_TYPES, TERMINAL_STATE_TYPES } from './schema/enums.js';
export type {
  Flow,
  FlowCreate,
  FlowListOptions,
  FlowRepository,
  FlowSort,
  FlowUpdate,
  FlowWhere,
} from './repositories/flows.js';
export type {
  FlowRun,
  FlowRunCreate,
  FlowRunListOptions,
  FlowRunQuery,
  FlowRunRepository,
  FlowRunUpdate,
  FlowRunWhere,
} from './repositories/flow-runs.js';
export type {
  TaskRun,
  TaskRunCreate,
  TaskRunListOptions,
  TaskRunRepository,
  TaskRunUpdate,
  TaskRunWhere,
} from './repositories/task-runs.js';
export type { DerivedRunFields, RunSort, SetStateOptions } from './repositories/run-base.js';
export type {
  Deployment,
  DeploymentFlowRunCreate,
  DeploymentListOptions,
  DeploymentRepository,
  DeploymentUpdate,
  DeploymentUpsert,
  DeploymentWhere,
} from './repositories/deployments.js';
export type {
  DeploymentSchedule,
  DeploymentSchedules,
  ScheduleInput,
  ScheduleRunsOptions,
} from './repositories/deployment-schedules.js';
export type { ScheduleDueOptions } from './repositories/scheduler.js';
export type {
  WorkPool,
  WorkPoolCreate,
  WorkPoolListOptions,
  WorkPoolRepository,
  WorkPoolUpdate,
} from './repositories/work-pools.js';
export type {
  WorkQueue,
  WorkQueueCreate,
  WorkQueueRepository,
  WorkQueueUpdate,
} from './repositories/work-queues.js';
export type { Worker, WorkerRepository } from './repositories/workers.js';
export type {
  FailExpiredPausesOptions,
  MarkLateOptions,
  RefreshStatusOptions,
  RefreshStatusResult,
} from './repositories/loop-services.js';
export type { GlobalConcurrencyLimitRepository } from './repositories/global-concurrency-limits.js';
export type { GlobalConcurrencyLimit } from './repositories/limits/views.js';
export type { ConcurrencyLimit, ConcurrencyLimitRepository } from './repositories/concurrency-limits.js';
export type {
  AcquireInput,
  AcquireResult,
  GlobalLimitCreate,
  GlobalLimitList,
  GlobalLimitUpdate,
  Lease,
  ListLeasesInput,
  ReleaseInput,
  TagAcquireInput,
  TagLimitCreate,
} from './repositories/limits/inputs.js';
export type { BlockType, BlockTypeRepository } from './repositories/blocks/block-types.js';
export type { BlockSchema, BlockSchemaRepository } from './repositories/blocks/block-schemas.js';
export { computeBlockSchemaChecksum } from './repositories/blocks/block-schemas.js';
export type { BlockDocumentRepository, RotationResult } from './repositories/blocks/block-documents.js';
export type { BlockDocument } from './repositories/blocks/documents-read.js';
export { generateEncryptionKey } from './repositories/blocks/encryption.js';
export { SECRET_MASK } from './repositories/blocks/secrets.js';
export { MAX_REFERENCE_DEPTH } from './repositories/blocks/references.js';
export type {
  BlockDocumentCreate,
  BlockDocumentListOptions,
  BlockDocumentReadOptions,
  BlockDocumentUpdate,
  BlockDocumentWhere,
  BlockSchemaCreate,
  BlockSchemaListOptions,
  BlockTypeListOptions,
  BlockTypeUpsert,
} from './repositories/blocks/inputs.js';
export type { Log, LogRepository } from './repositories/logs.js';
export type { LogCreate, LogLevel, LogLevelName } from './repositories/logs/rows.js';
export type { LogListOptions, LogSort, LogStreamOptions, LogWhere } from './repositories/logs/inputs.js';
export { LOG_LEVELS, MAX_LOG_LEVEL, MAX_LOG_MESSAGE_BYTES } from './repositories/logs/rows.js';
export { MAX_LOG_QUERY_CHARS, MAX_LOG_QUERY_TERMS } from './repositories/logs/text-query.js';
export { LOG_STREAM_PAGE_BYTES } from './repositories/logs.js';
export type { ClaimOptions } from './repositories/claiming.js';
export type { State, StateInput } from './repositories/states.js';
export type { IdFilter, TagsFilter, TextFilter, TimeFilter } from './repositories/filters.js';
export type {
  ConcurrencyOptions,
  CreatedBy,
  EmpiricalPolicy,
  Json,
  Schedule,
  StateDetails,
} from './schema/json-types.js';
export type { StateType } from './schema/enums.js';
// Input limits (docs/repositories.md, "Input limits"), for callers that check before they call.
export {
  INDEXED_TEXT_BYTES,
  MAX_JSON_DEPTH,
  MAX_NAME_CHARS,
  MAX_TEXT_BYTES,
  MAX_TIME,
  MIN_TIME,
  TAG_LIMIT_TAG_BYTES,
} from './repositories/validation.js';
