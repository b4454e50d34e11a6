/**
 * `@orion/db/testing`: isolated, migrated databases for tests.
 *
 * ```ts
 * import { createTestDatabase } from '@orion/db/testing';
 * const db = await createTestDatabase({ dialect: 'postgresql' });
 * // ... test ...
 * await db.close(); // also drops what it created
 * ```
 */
import type { PGlite } from '@electric-sql/pglite';
import Sqlite from 'better-sqlite3';
import { z } from 'zod';
import { type Database, type DatabaseOptions, createDatabase, openDatabase } from '../database.js';
import { mapDriverError } from '../dialect/map-error.js';
import { sqliteOpenFailure } from '../dialect/sqlite/open-file.js';
import type { DialectName } from '../dialect/names.js';
import { ConfigurationError, DatabaseError, type OrionDbError } from '../errors.js';
import { parse } from '../repositories/validation/parse.js';
import {
  createServerDatabase,
  dropServerDatabase,
  releaseOwners,
  resolvePostgresSource,
  stopPostgresSource,
} from './postgres-server.js';

export type { PostgresSource } from './postgres-server.js';
export { resolvePostgresSource } from './postgres-server.js';

export interface TestDatabaseOptions {
  /**
   * 'sqlite' (default: in memory) or 'postgresql': ORION_TEST_POSTGRES_URL, else testcontainers,
   * else PGlite, silently (`resolvePostgresSource()` says which).
   */
  dialect?: DialectName;
  /** Migrated to head (default) or empty, for testing migrations themselves. */
  migrated?: boolean;
  /**
   * The block encryption key (the forms of ORION_DATABASE_ENCRYPTION_KEY); without it a key is
   * generated on first use and kept in the database's `configuration` table.
   */
  encryptionKey?: string;
}

/** The options, strictly: an unknown key or a dialect other than the two is a ValidationError. */
const testDatabaseOptions = z.strictObject({
  dialect: z.enum(['sqlite', 'postgresql']).optional(),
  migrated: z.boolean().optional(),
  encryptionKey: z.string().optional(),
});

let sqliteImage: Buffer | undefined;
let pgliteTemplate: Promise<PGlite> | undefined;

/**
 * A migrated SQLite image, built once per process by the library's own migrator; each test database
 * deserialises it (`new Database(buffer)`, tens of microseconds) instead of migrating. The
 * connection pragmas (foreign_keys, busy_timeout) are not part of an image: the open sets them.
 */
/** An in-memory SQLite connection (from `image` when given); a failure is the open's typed error. */
function openSqliteMemory(image?: Buffer): Sqlite.Database {
  try {
    return image === undefined ? new Sqlite(':memory:') : new Sqlite(image);
  } catch (error) {
    throw sqliteOpenFailure(':memory:', error);
  }
}

async function sqliteTemplateImage(): Promise<Buffer> {
  if (!sqliteImage) {
    const connection = openSqliteMemory();
    const db = await createDatabase({ client: connection, migrateOnOpen: true, isolated: true });
    await db.close();
    sqliteImage = connection.serialize();
    connection.close();
  }
  return sqliteImage;
}

async function openPglite(migrated: boolean): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const instance = await PGlite.create({ extensions: { pg_trgm } });
  if (migrated) {
    const db = await createDatabase({ client: instance, migrateOnOpen: true, isolated: true });
    await db.close();
  }
  return instance;
}

/** Wraps a database so that close() also releases what the helper created for it. */
function withCleanup(db: Database, cleanup: () => Promise<void>): Database {
  let closing: Promise<void> | undefined;
  const close = () => {
    // A refused close (inside a transaction callback) may be called again later.
    closing ??= db.close().then(cleanup, (error: unknown) => {
      closing = undefined;
      throw error;
    });
    return closing;
  };
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'close') return close;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Opens the library on a database the helper made, isolated from the environment; close() then
 * releases it with `cleanup` (which also runs if the open fails). A migrated one is a copy of the
 * image or template this library migrated and checked when it was made, so it is opened without
 * the server check or the migration verify (on PostgreSQL: without a round trip at all; the pool
 * connects at the test's first query).
 */
async function openMade(
  where: Pick<DatabaseOptions, 'client' | 'url' | 'poolSize'>,
  options: TestDatabaseOptions,
  migrated: boolean,
  cleanup: () => Promise<void>,
): Promise<Database> {
  let db: Database;
  try {
    const opening = { ...where, migrateOnOpen: false, verifyOnOpen: false, isolated: true };
    db = await openDatabase({ ...opening, encryptionKey: options.encryptionKey }, undefined, migrated);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return withCleanup(db, cleanup);
}

/**
 * Opens an isolated database (migrated to head unless `migrated: false`); its close() drops it.
 * It reads only ORION_TEST_POSTGRES_URL and ORION_TEST_POSTGRES (for `dialect: 'postgresql'`), never
 * ORION_DATABASE_* or a profile.
 * @throws ValidationError for an unknown option or a dialect other than 'sqlite' and 'postgresql';
 * ConfigurationError when better-sqlite3's native module cannot be loaded (SQLite), for an
 * ORION_TEST_POSTGRES other than 'pglite', an ORION_TEST_POSTGRES_URL that
 * is not a PostgreSQL URL or names a missing database or role; DatabaseError (retryable) for an
 * unreachable server
 * @example const db = await createTestDatabase({ dialect: 'postgresql' }); try { ... } finally { await db.close(); }
 */
export async function createTestDatabase(given: TestDatabaseOptions = {}): Promise<Database> {
  const options: TestDatabaseOptions = parse(testDatabaseOptions, given, 'createTestDatabase options');
  const migrated = options.migrated ?? true;
  if ((options.dialect ?? 'sqlite') === 'sqlite') {
    const connection = migrated ? openSqliteMemory(await sqliteTemplateImage()) : openSqliteMemory();
    return openMade({ client: connection }, options, migrated, async () => {
      connection.close();
    });
  }
  const source = await resolvePostgresSource();
  if (source.kind === 'pglite') {
    let instance: PGlite;
    if (migrated) {
      pgliteTemplate ??= openPglite(true);
      instance = (await (await pgliteTemplate).clone()) as PGlite;
    } else {
      instance = await openPglite(false);
    }
    return openMade({ client: instance }, options, migrated, () => instance.close());
  }
  let url: string;
  try {
    url = await createServerDatabase(source.url, migrated);
  } catch (error) {
    throw serverError(error, source.description);
  }
  const name = new URL(url).pathname.slice(1);
  return openMade({ url, poolSize: 10 }, options, migrated, () => dropServerDatabase(source.url, name));
}

/**
 * What the server refused, as the library's own error (the mapping createDatabase uses, pointing at
 * ORION_TEST_POSTGRES_URL), saying which server the helper tried.
 */
function serverError(error: unknown, description: string): OrionDbError {
  const mapped = mapDriverError(error, 'ORION_TEST_POSTGRES_URL');
  const message = `createTestDatabase could not use the PostgreSQL ${description}: ${mapped.message}`;
  const cause = mapped.cause ?? error;
  if (mapped instanceof ConfigurationError) return new ConfigurationError(message, { cause });
  if (mapped instanceof DatabaseError)
    return new DatabaseError(message, { cause, retryable: mapped.retryable });
  return mapped;
}

/**
 * Releases what the helper keeps per process (the PGlite template, a testcontainers container).
 * @example afterAll(() => releaseTestResources());
 */
export async function releaseTestResources(): Promise<void> {
  const template = pgliteTemplate;
  pgliteTemplate = undefined;
  if (template) await (await template).close();
  await releaseOwners();
  await stopPostgresSource();
}
