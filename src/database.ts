import { existsSync } from 'node:fs';
import type { SqlQuery } from './public/clients.js';
import type { Database, DatabaseOptions, DatabaseScope } from './public/database.js';
import type { DialectName, DriverName, Dialect, Row, TransactionContext } from './dialect/dialect.js';
import { type ExistingClient, openDialect } from './dialect/open.js';
import { rawStatement, refuseUnrunnableStatement } from './dialect/transaction-control.js';
import { type MethodGuard, bindMethods } from './bind-methods.js';
import { ConfigurationError, ValidationError } from './errors.js';
import { Migrator } from './migrations/migrator.js';
import type { MigrateOptions, MigrateResult } from './public/migrations.js';
import { PUBLIC_METHODS } from './public/method-names.js';
import { RepositoryContext } from './repositories/context.js';
import { DeploymentRepository } from './repositories/deployments.js';
import { WorkPoolRepository } from './repositories/work-pools.js';
import { WorkQueueRepository } from './repositories/work-queues.js';
import { WorkerRepository } from './repositories/workers.js';
import { ConcurrencyLimitRepository } from './repositories/concurrency-limits.js';
import { GlobalConcurrencyLimitRepository } from './repositories/global-concurrency-limits.js';
import { FlowRunRepository } from './repositories/flow-runs.js';
import { FlowRepository } from './repositories/flows.js';
import { TaskRunRepository } from './repositories/task-runs.js';
import { BlockSchemaRepository } from './repositories/blocks/block-schemas.js';
import { BlockTypeRepository } from './repositories/blocks/block-types.js';
import { BlockDocumentRepository } from './repositories/blocks/block-documents.js';
import { Keyring } from './repositories/blocks/keyring.js';
import { LogRepository } from './repositories/logs.js';
import { loadRevisions } from './migrations/revisions.js';
import { resolveTarget } from './migrations/targets.js';
import { type Settings, loadSettings } from './settings/load.js';
import {
  DATABASE_OPTION_NAMES,
  MIGRATE_OPTION_NAMES,
  refuseUnknownOptions,
} from './settings/option-names.js';
import { describeForError } from './settings/sources.js';
import { unknownServerParameter } from './settings/url-options.js';

export type { Database, DatabaseOptions, DatabaseScope } from './public/database.js';

/** The handle's own methods that check it on entry: all but close(), which is idempotent. */
const { close: _close, ...HANDLE_GUARDED } = PUBLIC_METHODS.db;

class Scope implements DatabaseScope {
  readonly flows: FlowRepository;
  readonly flowRuns: FlowRunRepository;
  readonly taskRuns: TaskRunRepository;
  readonly deployments: DeploymentRepository;
  readonly workPools: WorkPoolRepository;
  readonly workQueues: WorkQueueRepository;
  readonly workers: WorkerRepository;
  readonly globalConcurrencyLimits: GlobalConcurrencyLimitRepository;
  readonly concurrencyLimits: ConcurrencyLimitRepository;
  readonly blockTypes: BlockTypeRepository;
  readonly blockSchemas: BlockSchemaRepository;
  readonly blockDocuments: BlockDocumentRepository;
  readonly logs: LogRepository;

  constructor(
    protected readonly handle: Dialect,
    private readonly bound: TransactionContext | undefined,
    private readonly keyring: Keyring,
  ) {
    const context = new RepositoryContext(handle, bound);
    this.flows = new FlowRepository(context);
    this.flowRuns = new FlowRunRepository(context);
    this.taskRuns = new TaskRunRepository(context);
    this.deployments = new DeploymentRepository(context);
    this.workPools = new WorkPoolRepository(context);
    this.workQueues = new WorkQueueRepository(context);
    this.workers = new WorkerRepository(context);
    this.globalConcurrencyLimits = new GlobalConcurrencyLimitRepository(context);
    this.concurrencyLimits = new ConcurrencyLimitRepository(context);
    this.blockTypes = new BlockTypeRepository(context);
    this.blockSchemas = new BlockSchemaRepository(context);
    this.blockDocuments = new BlockDocumentRepository(context, keyring);
    this.logs = new LogRepository(context);
    // Every call is refused on entry once the handle closed or a `tx` handle's transaction ended,
    // also one that needs no statement (`logs.createMany([])`), as docs/database.md says of any
    // call. On a `tx` handle every call's promise is watched: one that fails with nobody handling
    // it fails the transaction instead of surfacing after the commit (dialect/watched-call.ts).
    const guard: MethodGuard = (method, self, args) => {
      const refused = handle.refusal(bound);
      if (!refused) {
        const result = method.apply(self, args);
        return bound && result instanceof Promise ? handle.watchCall(result, bound) : result;
      }
      let result: unknown;
      try {
        result = method.apply(self, args);
      } catch {
        throw refused; // `logs.stream` checks its filter before it returns
      }
      if (!(result instanceof Promise)) return result; // a stream: its reads are refused as calls
      result.catch(() => undefined); // the call's own failure, if any, is the refusal's
      return Promise.reject(refused);
    };
    const objects: [object, Readonly<Record<string, true>>][] = [
      [this.flows, PUBLIC_METHODS.flows],
      [this.flowRuns, PUBLIC_METHODS.flowRuns],
      [this.taskRuns, PUBLIC_METHODS.taskRuns],
      [this.deployments, PUBLIC_METHODS.deployments],
      [this.deployments.schedules, PUBLIC_METHODS['deployments.schedules']],
      [this.workPools, PUBLIC_METHODS.workPools],
      [this.workQueues, PUBLIC_METHODS.workQueues],
      [this.workers, PUBLIC_METHODS.workers],
      [this.globalConcurrencyLimits, PUBLIC_METHODS.globalConcurrencyLimits],
      [this.concurrencyLimits, PUBLIC_METHODS.concurrencyLimits],
      [this.blockTypes, PUBLIC_METHODS.blockTypes],
      [this.blockSchemas, PUBLIC_METHODS.blockSchemas],
      [this.blockDocuments, PUBLIC_METHODS.blockDocuments],
      [this.logs, PUBLIC_METHODS.logs],
      [this, HANDLE_GUARDED],
    ];
    for (const [object, guarded] of objects) bindMethods(object, guard, guarded);
  }

  get dialect(): DialectName {
    return this.handle.name;
  }

  get driver(): DriverName {
    return this.handle.driver;
  }

  transaction<T>(fn: (tx: DatabaseScope) => T | PromiseLike<T>): Promise<Awaited<T>> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new ValidationError('db.transaction(fn) takes a function: async (tx) => { ... }'),
      );
    }
    return this.handle.userTransaction(
      async (context): Promise<Awaited<T>> => await fn(new Scope(this.handle, context, this.keyring)),
      this.bound,
    );
  }

  async execute<T extends Row = Row>(query: SqlQuery | string): Promise<T[]> {
    // SqlQuery is the public, structural name of drizzle-orm's SQL (see public/clients.ts).
    const statement = rawStatement(query);
    refuseUnrunnableStatement(statement);
    return this.handle.query(statement, this.bound) as Promise<T[]>;
  }
}

class OrionDatabase extends Scope implements Database {
  readonly migrations: Database['migrations'];

  constructor(
    handle: Dialect,
    readonly settings: Settings,
    private readonly migrator: Migrator,
  ) {
    super(
      handle,
      undefined,
      new Keyring(settings.encryptionKey, settings.origins.ORION_DATABASE_ENCRYPTION_KEY),
    );
    this.migrations = {
      status: () => migrator.status(),
      history: () => migrator.history(),
      schema: () => handle.introspect(),
    };
  }

  migrate(options?: MigrateOptions): Promise<MigrateResult> {
    return this.migrator.migrate(options);
  }

  async reset(): Promise<void> {
    await this.migrator.migrate({ to: 'base', force: true });
    await this.migrator.migrate({ to: 'head' });
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * Opens a database from the resolved settings (options > environment > profile > defaults).
 * With no options: the SQLite file `~/.orion/orion.db`, migrated to head.
 *
 * Only an open that migrates (`migrateOnOpen`, the default) creates a missing SQLite file and its
 * folder; any other open of a missing file is a `MigrationError` naming the path and
 * `orion-db upgrade`. With `migrateOnOpen: false` (and `verifyOnOpen` left on) a database that is
 * not at this code's head, behind or ahead, is a `MigrationError` naming both revisions. An
 * option it does not know is a `ConfigurationError` naming it and the option meant, if one is close.
 * Another process holding the write lock (a SQLite write transaction, the PostgreSQL migration lock)
 * past `timeoutSeconds` is a `DatabaseError` with `retryable: true`: open again later. A SQLite
 * open where better-sqlite3's native module was never built (its install script skipped) or was
 * built for another Node.js is a `ConfigurationError` saying how to build it. On PostgreSQL a
 * `timeoutSeconds` below 1 s and a URL that names no database are `ConfigurationError`s before
 * connecting (docs/settings.md).
 *
 * ```ts
 * const db = await createDatabase({ url: 'postgresql://postgres@localhost:5432/orion' });
 * await db.migrations.status();
 * await db.close();
 * ```
 */
export async function createDatabase(options: DatabaseOptions = {}): Promise<Database> {
  refuseUnknownOptions(options, DATABASE_OPTION_NAMES, 'createDatabase');
  return openDatabase(options);
}

/**
 * createDatabase, for the library's own tools: `create` overrides whether a missing SQLite file may
 * be created (the `migrate()` function and the CLI's upgrade create one; their dry runs do not).
 * `copyOfChecked` is for a database copied from one this library already checked and migrated to
 * head with the same revisions (the test helper's SQLite image and PostgreSQL template): the server
 * check and the migration verify would find what the original's open found, so they are skipped
 * (two to four round trips, and a scan of the server's extension folder, per test database).
 * @internal
 */
export async function openDatabase(
  options: DatabaseOptions,
  create?: boolean,
  copyOfChecked = false,
): Promise<Database> {
  refuseClientWithUrl(options);
  const settings = loadSettings(options);
  const dialect = await openDialect(settings, options.client as ExistingClient | undefined, {
    create: create ?? settings.migrateOnOpen,
  });
  try {
    if (!copyOfChecked) await dialect.checkSupport();
    const migrator = new Migrator(dialect, loadRevisions(dialect.name, options.migrationsDir));
    if (settings.migrateOnOpen) await migrator.migrate({ to: 'head' });
    else if (options.verifyOnOpen !== false && !copyOfChecked) await migrator.verify();
    return new OrionDatabase(dialect, settings, migrator);
  } catch (error) {
    await dialect.close();
    const { target } = settings;
    const origin = describeForError('ORION_DATABASE_URL', settings.origins.ORION_DATABASE_URL);
    throw (target.kind === 'postgres' && unknownServerParameter(target.url, error, origin)) || error;
  }
}

/**
 * A handed-in client decides the database, so a `url` beside it would be ignored: one that names
 * another database (a trial gave a SQLite client and a PostgreSQL URL) or even the same one. Either
 * way the caller meant something the open would not do, so it is a ConfigurationError naming both
 * options, before anything is opened. (ORION_DATABASE_URL in the environment or a profile is not an
 * option the caller wrote here, and stays ignored for a client.)
 */
function refuseClientWithUrl(options: DatabaseOptions): void {
  // null is "not given" for both, as loadSettings reads a null url (a trial's `client: null`).
  if (options.client == null || options.url == null) return;
  throw new ConfigurationError(
    'The options "client" and "url" cannot be given together: the client decides the database, so the url would be ignored. ' +
      'Pass the client alone, or the url alone for a connection the library opens.',
  );
}

/**
 * Opens the database without migrating on open, migrates it to `to` (default head), and closes it.
 * A missing SQLite file is created unless `dryRun`.
 *
 * ```ts
 * await migrate({ url: 'sqlite:///orion.db', to: 'head' });
 * ```
 */
export async function migrate(options: DatabaseOptions & MigrateOptions = {}): Promise<MigrateResult> {
  refuseUnknownOptions(options, [...DATABASE_OPTION_NAMES, ...MIGRATE_OPTION_NAMES], 'migrate');
  const { to, dryRun, force, direction, ...rest } = options;
  const create = !dryRun && mayCreateFor(rest, to);
  const db = await openDatabase({ ...rest, migrateOnOpen: false, verifyOnOpen: false }, create);
  try {
    return await db.migrate({ to, dryRun, force, direction });
  } finally {
    await db.close();
  }
}

/**
 * Before an open that may create a missing SQLite file in order to migrate it to `to`: throws the
 * MigrationError a bad target gives (unknown, out of range) while nothing exists yet, so a typo in
 * the target creates no empty file; false when the target is base (nothing to create it for).
 * @internal
 */
export function mayCreateFor(options: DatabaseOptions, to: string | undefined): boolean {
  if (options.client !== undefined) return false;
  const target = loadSettings(options).target;
  if (target.kind !== 'sqlite' || target.path === ':memory:' || existsSync(target.path)) return true;
  return resolveTarget(to ?? 'head', loadRevisions('sqlite', options.migrationsDir), 0) > 0;
}
