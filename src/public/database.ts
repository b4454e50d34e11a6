/** The database handle's public types: `createDatabase` returns a `Database`. */
import type { SchemaShape } from '../introspection/schema-shape.js';
import type { DialectName, DriverName } from '../dialect/names.js';
import type { DatabaseConfig, Settings } from '../settings/load.js';
import type { BlockDocumentRepository, BlockSchemaRepository, BlockTypeRepository } from './blocks-api.js';
import type { Client, SqlQuery } from './clients.js';
import type { DeploymentRepository } from './deployments-api.js';
import type { ConcurrencyLimitRepository, GlobalConcurrencyLimitRepository } from './limits-api.js';
import type { LogRepository } from './logs-api.js';
import type { MigrateOptions, MigrateResult, MigrationHistoryEntry, MigrationStatus } from './migrations.js';
import type { FlowRepository, FlowRunRepository, TaskRunRepository } from './runs-api.js';
import type { WorkPoolRepository, WorkQueueRepository, WorkerRepository } from './work-api.js';

/** Options for createDatabase: any setting (overriding environment and profile), or a client you own. */
export interface DatabaseOptions extends DatabaseConfig {
  /**
   * An existing postgres.js `Sql`, better-sqlite3 `Database` or `PGlite`; the library never closes it.
   * @example createDatabase({ client: new Sqlite('orion.db') })
   */
  client?: Client | undefined;
  /** A migrations folder other than the packaged one (tests and tooling). */
  migrationsDir?: string | undefined;
  /**
   * Check on open that the database is not ahead of this code and no applied migration changed
   * (default true). Tools that must see a database as it is (status, history) turn it off.
   */
  verifyOnOpen?: boolean | undefined;
}

/**
 * What a transaction handle offers: the repositories, `transaction` and `execute`, without the
 * lifecycle of the database itself (`settings`, `migrate`, `migrations`, `reset`, `close`). Both the
 * `Database` from `createDatabase` and the `tx` a transaction callback gets are one, so a helper
 * typed on `DatabaseScope` takes either (one typed on `Database` does not take `tx`: TS2739).
 *
 * ```ts
 * async function startRun(scope: DatabaseScope, flowId: string) {
 *   return scope.flowRuns.create({ flowId, state: { type: 'RUNNING' } });
 * }
 * await startRun(db, flow.id);
 * await db.transaction((tx) => startRun(tx, flow.id));
 * ```
 */
export interface DatabaseScope {
  readonly dialect: DialectName;
  readonly driver: DriverName;
  /**
   * Runs `fn` in a transaction and resolves with its value once the database has committed.
   *
   * - Calls on any handle (`db`, `tx`, an inner `tx2`) made inside `fn` join the innermost open
   *   transaction; `tx.transaction()` nests with a savepoint.
   * - Calls may be concurrent (`Promise.all`): they run one at a time in the order they were made,
   *   each atomic on its own, so a caught failure of one leaves the others and the transaction usable.
   * - The commit waits for calls `fn` started that are still running. A call on `db` made after the
   *   transaction ended (a timer) is a call of its own; a call on an ended `tx` is a `DatabaseError`.
   * - An error `fn` throws rolls everything back and comes back as the same object. Driver failures
   *   are a `DatabaseError` (`retryable: true` for deadlocks and serialisation failures: the callback
   *   is never run again by the library).
   *
   * ```ts
   * const run = await db.transaction(async (tx) => {
   *   const flow = await tx.flows.create({ name: 'etl' });
   *   return tx.flowRuns.create({ flowId: flow.id });
   * });
   * ```
   *
   * `fn` may also be a plain function: a synchronous throw and a plain return value behave like an
   * async function's (`await db.transaction(() => 42)` is `42`).
   */
  transaction<T>(fn: (tx: DatabaseScope) => T | PromiseLike<T>): Promise<Awaited<T>>;
  /**
   * Runs raw SQL (a drizzle-orm `sql` template, or text) and returns its rows: the escape hatch.
   * Statements that begin or end a transaction are refused (ValidationError): use `transaction`.
   * Anything but a non-blank string or an `sql` template is a ValidationError, sent to no driver.
   * @example const rows = await db.execute<{ n: number }>('select count(*) as n from flow');
   */
  execute<T extends Record<string, unknown> = Record<string, unknown>>(
    query: SqlQuery | string,
  ): Promise<T[]>;
  readonly flows: FlowRepository;
  readonly flowRuns: FlowRunRepository;
  readonly taskRuns: TaskRunRepository;
  readonly deployments: DeploymentRepository;
  readonly workPools: WorkPoolRepository;
  readonly workQueues: WorkQueueRepository;
  readonly workers: WorkerRepository;
  /** Named concurrency and rate limits, with leases (docs/limits.md). */
  readonly globalConcurrencyLimits: GlobalConcurrencyLimitRepository;
  /** Task-run tag limits, built on the global limits as `tag:<tag>` (docs/limits.md). */
  readonly concurrencyLimits: ConcurrencyLimitRepository;
  /** Block types, by slug (docs/blocks.md). */
  readonly blockTypes: BlockTypeRepository;
  /** Block schemas, by checksum and version (docs/blocks.md). */
  readonly blockSchemas: BlockSchemaRepository;
  /** Block documents: encrypted at rest, secrets masked on read, key rotation (docs/blocks.md). */
  readonly blockDocuments: BlockDocumentRepository;
  /** Logs: bulk writes, filtered reads, keyset paging, streaming and retention (docs/logs.md). */
  readonly logs: LogRepository;
}

/**
 * An open database: the repositories, transactions, migrations and the handle's lifecycle. Opened by
 * `createDatabase`; `close()` it when done.
 */
export interface Database extends DatabaseScope {
  /** The resolved settings this handle was opened with (mask before printing: see `maskSecrets`). */
  readonly settings: Settings;
  /**
   * Upgrades or downgrades to `to` (default 'head'); `dryRun` returns the SQL instead.
   * @example await db.migrate({ to: '-1' });
   */
  migrate(options?: MigrateOptions): Promise<MigrateResult>;
  readonly migrations: {
    /**
     * The current and head revisions, the applied and pending ones.
     * @example const { current, pending } = await db.migrations.status();
     */
    status(): Promise<MigrationStatus>;
    /**
     * Every known revision, oldest first, with whether and when it was applied.
     * @example for (const r of await db.migrations.history()) console.log(r.revision, r.applied);
     */
    history(): Promise<MigrationHistoryEntry[]>;
    /**
     * The live schema as the database's catalog describes it (tables, columns, indexes, keys).
     * @example Object.keys((await db.migrations.schema()).tables);
     */
    schema(): Promise<SchemaShape>;
  };
  /**
   * Removes every object the migrations created (and all data) and applies the schema again.
   * @example await db.reset();
   */
  reset(): Promise<void>;
  /**
   * Waits for work in flight and releases the connection; idempotent. Calls after it fail with DatabaseError.
   * @example await db.close();
   */
  close(): Promise<void>;
}
