/** @orion/db: the public surface. Every export is listed here by hand. */
export { createDatabase, migrate } from './database.js';
export type { Database, DatabaseOptions, DatabaseScope } from './public/database.js';
export type { Client, PgliteClient, PostgresJsClient, SqliteClient, SqlQuery } from './public/clients.js';
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
export type { DialectName, DriverName } from './dialect/names.js';
export type {
  MigrateOptions,
  MigrateResult,
  MigrationHistoryEntry,
  MigrationStatus,
  RevisionRef,
} from './public/migrations.js';
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
export type * from './public/runs.js';
export type * from './public/deployments.js';
export type * from './public/work.js';
export type * from './public/limits.js';
export type * from './public/blocks.js';
export type * from './public/logs.js';
export type * from './public/filters.js';
export type { FlowRepository, FlowRunRepository, TaskRunRepository } from './public/runs-api.js';
export type { DeploymentRepository, DeploymentSchedules } from './public/deployments-api.js';
export type { WorkPoolRepository, WorkQueueRepository, WorkerRepository } from './public/work-api.js';
export type {
  ConcurrencyLimitRepository,
  GlobalConcurrencyLimitRepository,
} from './public/limits-api.js';
export type {
  BlockDocumentRepository,
  BlockSchemaRepository,
  BlockTypeRepository,
} from './public/blocks-api.js';
export type { LogRepository } from './public/logs-api.js';
export type {
  ConcurrencyOptions,
  CreatedBy,
  EmpiricalPolicy,
  Json,
  JsonObject,
  JsonValue,
  Schedule,
  StateDetails,
  StateDetailsInput,
} from './schema/json-types.js';
export type { StateType } from './schema/enums.js';
// Input limits (docs/repositories.md, "Input limits"), for callers that check before they call.
export {
  computeBlockSchemaChecksum,
  generateEncryptionKey,
  INDEXED_TEXT_BYTES,
  LOG_LEVELS,
  LOG_STREAM_PAGE_BYTES,
  MAX_JSON_BYTES,
  MAX_JSON_DEPTH,
  MAX_LOG_LEVEL,
  MAX_LOG_MESSAGE_BYTES,
  MAX_REFERENCE_DEPTH,
  MAX_LOG_QUERY_CHARS,
  MAX_LOG_QUERY_TERMS,
  MAX_NAME_CHARS,
  MAX_TEXT_BYTES,
  MAX_TIME,
  MIN_TIME,
  SECRET_MASK,
  TAG_LIMIT_TAG_BYTES,
} from './public/values.js';
