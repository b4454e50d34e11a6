/**
 * The one place where driver errors become @orion/db errors. postgres.js and PGlite report a
 * SQLSTATE with the table and constraint; better-sqlite3 reports an extended result code, names a
 * unique violation by its columns (mapped back to the constraint name from the schema) and a
 * foreign-key violation not at all (the failing statement diagnoses it: sqlite/foreign-keys.ts).
 * So the class, `.entity` (in words) and `.constraint` are the same on both dialects
 * (semantics.md §2 "Errors").
 */
import {
  ConfigurationError,
  ConflictError,
  DatabaseError,
  NotFoundError,
  OrionDbError,
  ValidationError,
} from '../errors.js';
import { entityOf } from '../schema/entities.js';
import { postgresConstraints, sqliteConstraints } from './constraints.js';
import { FOREIGN_KEY_FAILURE, type ForeignKeyFailure, isForeignKeyFailure } from './sqlite/foreign-keys.js';

/** SQLSTATEs that mean "try the transaction again". */
export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const CONNECTION_SQLSTATE_PREFIXES = ['08', '57P'];
const TRANSIENT_SQLSTATES = new Set(['53300', '57014', '55P03']);
/** Error codes of Node's sockets and of postgres.js for a connection that failed or went away. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

interface DriverError extends Error {
  code?: string;
  constraint_name?: string;
  constraint?: string;
  table_name?: string;
  table?: string;
  detail?: string;
  [FOREIGN_KEY_FAILURE]?: ForeignKeyFailure;
}

/**
 * Drizzle wraps driver errors in DrizzleQueryError; the driver's error (the one with a code) is in
 * `cause`. Undefined for no error: one of our own has no cause (a trial's `createMany` after close
 * read `.code` of undefined and threw a TypeError in place of the DatabaseError), so the type says so.
 */
export function unwrap(error: unknown): DriverError | undefined {
  let current = error as DriverError & { cause?: unknown };
  for (let i = 0; i < 5 && current && typeof current.code !== 'string' && current.cause; i++) {
    current = current.cause as DriverError & { cause?: unknown };
  }
  return current;
}

/** "flow_run(flow_id,idempotency_key)" → "uq_flow_run__flow_id_idempotency_key", from the schema itself. */
function sqliteUniqueName(table: string, columns: string[]): string {
  return (
    sqliteConstraints().uniques.get(`${table}(${columns.join(',')})`)?.name ??
    `uq_${table}__${columns.join('_')}`
  );
}

/** A write referenced a row that does not exist: the same error from either dialect. */
function missingReference(
  table: string,
  referencedTable: string,
  id: string | undefined,
  constraint: string | undefined,
  cause: unknown,
): NotFoundError {
  const missing = entityOf(referencedTable);
  return new NotFoundError(
    missing,
    id ?? 'unknown',
    `The ${missing}${id ? ` ${id}` : ''} referenced by this ${entityOf(table)} does not exist` +
      `${constraint ? ` (${constraint})` : ''}; it may have been deleted concurrently`,
    { cause, constraint },
  );
}

/** A row about to be deleted is still referenced: the same error from either dialect. */
function stillReferenced(
  referencedTable: string,
  table: string | undefined,
  constraint: string | undefined,
  cause: unknown,
): ConflictError {
  const entity = entityOf(referencedTable);
  return new ConflictError(
    entity,
    constraint ?? 'foreign_key',
    `The ${entity} is still referenced${table ? ` by a ${entityOf(table)}` : ''}${constraint ? ` (${constraint})` : ''}`,
    { cause },
  );
}

/**
 * A unique index or primary key refused a row: one message on both dialects, naming the columns
 * and the constraint, never the values (the driver's own words stay in `cause`).
 */
function uniqueConflict(
  table: string,
  constraint: string,
  columns: readonly string[],
  cause: unknown,
): ConflictError {
  return new ConflictError(
    table,
    constraint,
    `A ${entityOf(table)} already exists with the same ${columns.join(', ')} (${constraint})`,
    { cause },
  );
}

/**
 * A table of the library's schema that the database does not have: it was never migrated, or was
 * migrated down (`migrate({ to: 'base' })`) under a handle still in use. The driver's words alone
 * ("no such table: flow") do not say why (a fresh user's trial).
 */
function missingSchemaTable(table: string | undefined, error: DriverError): DatabaseError | undefined {
  if (table === undefined || !postgresConstraints().tables.includes(table)) return undefined;
  return new DatabaseError(
    `The table "${table}" does not exist: this database is not migrated to the library's schema (migrate() or \`orion-db upgrade\` applies it; \`orion-db status\` shows its revision)`,
    { cause: error },
  );
}

function mapSqlite(error: DriverError): OrionDbError | undefined {
  const code = error.code ?? '';
  if (!code.startsWith('SQLITE_')) return undefined;
  const message = error.message;
  if (code === 'SQLITE_ERROR') {
    const missing = missingSchemaTable(/^no such table: (?:main\.)?(\w+)$/.exec(message)?.[1], error);
    if (missing) return missing;
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // "UNIQUE constraint failed: flow.name" or "...: flow_run.flow_id, flow_run.idempotency_key"
    const parts = message
      .replace(/^.*constraint failed:\s*/, '')
      .split(',')
      .map((p) => p.trim());
    const table = parts[0]?.split('.')[0] ?? 'unknown';
    const columns = parts.map((p) => p.split('.')[1] ?? p);
    const constraint =
      code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? `pk_${table}` : sqliteUniqueName(table, columns);
    return uniqueConflict(table, constraint, columns, error);
  }
  if (isForeignKeyFailure(error)) {
    const failure = error[FOREIGN_KEY_FAILURE];
    if (failure?.kind === 'missing')
      return missingReference(
        failure.table,
        failure.referencedTable,
        failure.value,
        failure.constraint,
        error,
      );
    if (failure?.kind === 'referenced')
      return stillReferenced(failure.referencedTable, failure.table, failure.constraint, error);
    // Only raw SQL (db.execute) gets here: its statement is not diagnosed, so neither side is known.
    return new ConflictError(
      'row',
      'foreign_key',
      'A foreign key constraint refused the write (a referenced row is missing or still referenced)',
      { cause: error },
    );
  }
  if (
    code === 'SQLITE_CONSTRAINT_CHECK' ||
    code === 'SQLITE_CONSTRAINT_NOTNULL' ||
    code === 'SQLITE_MISMATCH'
  ) {
    return new ValidationError(`The database refused the value: ${message}`);
  }
  if (code.startsWith('SQLITE_READONLY')) {
    // Opening refuses read-only files and folders (open-file.ts); this one became read-only later.
    return new DatabaseError(
      `The SQLite database became read-only after it was opened (${code}: ${message}): make the file and its folder writable again`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new DatabaseError(
      'The SQLite file is still locked by another process after the busy timeout (raise ORION_DATABASE_TIMEOUT)',
      { cause: error, retryable: true },
    );
  }
  return new DatabaseError(`SQLite error ${code}: ${message}`, { cause: error });
}

function mapPostgres(error: DriverError, setting: string): OrionDbError | undefined {
  const code = error.code;
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  const table = error.table_name ?? error.table ?? 'unknown';
  const constraint = error.constraint_name ?? error.constraint ?? 'unknown';
  if (code === '23505') {
    const owner = postgresConstraints().tableOf.get(constraint) ?? table;
    // The detail ("Key (name)=(prod) already exists.") gives the columns of an index outside the
    // schema; its values stay out of the message (SQLite never has them).
    const columns = postgresConstraints().uniqueColumns.get(constraint) ??
      /^Key \((.*)\)=\(/
        .exec(error.detail ?? '')?.[1]
        ?.split(',')
        .map((c) => c.trim()) ?? ['key'];
    return uniqueConflict(owner, constraint, columns, error);
  }
  // 23001 is how PostgreSQL 16+ (and PGlite) report an ON DELETE RESTRICT key; older servers say 23503.
  if (code === '23503' || code === '23001') {
    // The constraint names both sides; the message's own tables are the fallback for tables outside the schema.
    const key = postgresConstraints().foreignKeys.get(constraint);
    const tables = /on table "([^"]+)".*on table "([^"]+)"/.exec(error.message);
    if (
      code === '23001' ||
      /is still referenced/.test(error.detail ?? '') ||
      /^update or delete on/.test(error.message)
    ) {
      return stillReferenced(
        key?.referencedTable ?? tables?.[1] ?? table,
        key?.table ?? tables?.[2],
        constraint,
        error,
      );
    }
    const referenced =
      key?.referencedTable ?? /present in table "([^"]+)"/.exec(error.detail ?? '')?.[1] ?? 'row';
    const id = /\(([^)]*)\)=\(([^)]*)\)/.exec(error.detail ?? '')?.[2];
    return missingReference(key?.table ?? table, referenced, id, constraint, error);
  }
  // Settings that name a database or role that does not exist, or a wrong password: no retry helps.
  if (code === '42P01') {
    const missing = missingSchemaTable(/^relation "(\w+)" does not exist$/.exec(error.message)?.[1], error);
    if (missing) return missing;
  }
  if (code === '3D000') {
    const name = /database "([^"]+)" does not exist/.exec(error.message)?.[1];
    const how = name ? `\`createdb ${name}\` or CREATE DATABASE "${name}"` : 'CREATE DATABASE';
    return new ConfigurationError(
      `${error.message}: the library never creates a PostgreSQL database. Create it (${how}) or point ${setting} at an existing one`,
      { cause: error },
    );
  }
  if (code === '28000' || code === '28P01') {
    return new ConfigurationError(
      `PostgreSQL refused the login (${code}: ${error.message}): check the user and password in ${setting}`,
      { cause: error },
    );
  }
  if (code.startsWith('23') || code.startsWith('22')) {
    return new ValidationError(`The database refused the value: ${error.message}`);
  }
  if (RETRYABLE_SQLSTATES.has(code)) {
    return new DatabaseError(
      `Transaction aborted by the server (${code}: ${error.message}); it may be retried`,
      { cause: error, retryable: true },
    );
  }
  const transient =
    TRANSIENT_SQLSTATES.has(code) || CONNECTION_SQLSTATE_PREFIXES.some((p) => code.startsWith(p));
  return new DatabaseError(`PostgreSQL error ${code}: ${error.message}`, {
    cause: error,
    retryable: transient,
  });
}

/**
 * Maps anything a driver (or Drizzle) threw to an OrionDbError; ours pass through unchanged.
 * @param setting the setting a configuration error tells the reader to fix (the test helper's
 * server comes from ORION_TEST_POSTGRES_URL, not ORION_DATABASE_URL)
 */
export function mapDriverError(error: unknown, setting = 'ORION_DATABASE_URL'): OrionDbError {
  if (error instanceof OrionDbError) return error;
  const driver = unwrap(error);
  if (driver instanceof OrionDbError) return driver;
  // `throw undefined` (or null) from a caller's code reached here would read `.code` of nothing.
  const mapped = driver ? (mapSqlite(driver) ?? mapPostgres(driver, setting)) : undefined;
  if (mapped) return mapped;
  if (driver?.code && (NETWORK_CODES.has(driver.code) || isMissingSocket(driver))) {
    return new DatabaseError(
      `Lost or refused connection to the database (${driver.code}): ${driver.message}`,
      { cause: driver, retryable: true },
    );
  }
  const message = driver instanceof Error ? driver.message : String(driver);
  return new DatabaseError(`Database operation failed: ${message.split('\n')[0]}`, { cause: driver });
}

/**
 * A Unix socket that is not there (`connect ENOENT /run/postgresql/.s.PGSQL.5432`): the server is not
 * running there, or not yet, as a refused TCP connection says for a host. ENOENT alone is a file's.
 */
function isMissingSocket(driver: DriverError): boolean {
  return driver.code === 'ENOENT' && (driver as { syscall?: string }).syscall === 'connect';
}

/** True when a transaction that failed this way should simply be run again. */
export function isRetryableTransactionError(error: unknown): boolean {
  const driver = unwrap(error instanceof DatabaseError ? error.cause : error);
  return driver?.code !== undefined && RETRYABLE_SQLSTATES.has(driver.code);
}
