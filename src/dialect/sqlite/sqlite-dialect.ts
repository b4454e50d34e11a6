import type Sqlite from 'better-sqlite3';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { introspectSqlite } from '../../introspection/sqlite.js';
import type { SchemaShape } from '../../introspection/schema-shape.js';
import { MigrationError, UnsupportedDatabaseError } from '../../errors.js';
import type * as pgSchema from '../../schema/postgres/index.js';
import * as schema from '../../schema/sqlite/index.js';
import { BaseDialect } from '../base-dialect.js';
import type { DialectCapabilities, Executor, RawExecutor, Row, TextNow } from '../dialect.js';
import type { TransactionConnection } from '../transaction.js';
import { diagnoseForeignKeys } from './foreign-keys.js';
import { sqliteFragments } from './fragments.js';
import { withStatementCache } from './statement-cache.js';
import { type SharedConnection, releaseConnection } from './connection.js';

/** RETURNING (3.35) and the built-in JSON functions with `->>` (3.38). */
export const MIN_SQLITE_VERSION = '3.38.0';

/** Compares dotted versions numerically: "3.9.0" < "3.38.0". */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** Throws UnsupportedDatabaseError when the SQLite library is older than we need. */
export function assertSqliteVersion(version: string): void {
  if (!versionAtLeast(version, MIN_SQLITE_VERSION)) {
    throw new UnsupportedDatabaseError(
      `SQLite ${version} is too old: @orion/db needs ${MIN_SQLITE_VERSION} or newer (RETURNING and JSON functions). ` +
        'Reinstall better-sqlite3 12 (npm rebuild better-sqlite3) so it uses its bundled SQLite.',
    );
  }
}

/**
 * The connection under an executor (the database or a transaction): Drizzle's better-sqlite3
 * session keeps it as `client`, the statement-caching view of withStatementCache.
 */
function connectionOf(executor: Executor): Sqlite.Database {
  return (executor as unknown as { session: { client: Sqlite.Database } }).session.client;
}

/**
 * SQLite through better-sqlite3. Drizzle's better-sqlite3 transactions are synchronous, so we issue
 * BEGIN IMMEDIATE / COMMIT / ROLLBACK ourselves on the one shared connection, behind its gate.
 */
export class SqliteDialect extends BaseDialect {
  readonly name = 'sqlite' as const;
  readonly driver = 'better-sqlite3' as const;
  readonly capabilities: DialectCapabilities = {
    rowLocking: false,
    maxParameters: 32766,
    stableExecutor: true,
    writableCte: false,
  };
  readonly tables = schema as unknown as typeof pgSchema;
  readonly fragments = sqliteFragments;

  constructor(private readonly shared: SharedConnection) {
    super(
      // No `schema`: that is for Drizzle's relational queries, which the library does not use, and
      // Drizzle derives their configuration from every table at each drizzle() call (a quarter of
      // the CPU of opening an in-memory test database).
      drizzle(withStatementCache(shared.connection)) as unknown as Executor,
      shared.storage,
      shared.gate,
    );
  }

  get connection(): Sqlite.Database {
    return this.shared.connection;
  }

  protected async openTransaction(): Promise<TransactionConnection> {
    const connection = this.shared.connection;
    // Take the write lock up front: a deferred transaction that upgrades later can fail with SQLITE_BUSY
    // without waiting on the busy timeout.
    connection.exec('BEGIN IMMEDIATE');
    return {
      executor: this.root,
      exec: async (statement) => {
        connection.exec(statement);
      },
      commit: async () => {
        connection.exec('COMMIT');
      },
      rollback: async () => {
        if (connection.inTransaction) connection.exec('ROLLBACK');
      },
      release: () => {},
    };
  }

  protected override immediate<T>(body: () => T): T {
    // As openTransaction and #outermost do it, with no await in between: better-sqlite3 answers at once.
    const connection = this.shared.connection;
    connection.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      connection.exec('COMMIT');
      return result;
    } catch (error) {
      try {
        if (connection.inTransaction) connection.exec('ROLLBACK');
      } catch {
        // The rollback's own failure is dropped, as #outermost drops it: the body's error stands.
      }
      throw error;
    }
  }

  protected override immediateStatement<T>(body: () => T): T {
    // Each statement commits by itself; the gate is idle, so nothing of this handle runs between.
    return body();
  }

  readonly textNow: TextNow = {
    runText: (executor, text, params) => {
      // The connection's cached statement (statement-cache.ts), run on the values as given: through
      // Drizzle's prepared query every parameter first went through its placeholder check, a few
      // percent of a 100,000-log createMany's CPU (issue 13).
      connectionOf(executor)
        .prepare(text)
        .run(...params);
    },
    // raw(true) for this call only: the cache switches a reused reader back to objects.
    queryArrays: (executor, text, params) =>
      connectionOf(executor)
        .prepare(text)
        .raw(true)
        .all(...params) as unknown[][],
  };

  protected async rows(_executor: Executor, query: SQL): Promise<Row[]> {
    // Compile with Drizzle, run on the connection: better-sqlite3 refuses all() on statements without rows.
    const compiled = (
      this.root as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }
    ).dialect.sqlToQuery(query);
    const statement = this.shared.connection.prepare(compiled.sql);
    diagnoseForeignKeys(this.shared.connection, statement, compiled.sql);
    if (statement.reader) return statement.all(...compiled.params) as Row[];
    statement.run(...compiled.params);
    return [];
  }

  async runText(executor: Executor, text: string, params: readonly unknown[]): Promise<void> {
    this.textNow.runText(executor, text, params);
  }

  async queryArrays(executor: Executor, text: string, params: readonly unknown[]): Promise<unknown[][]> {
    return this.textNow.queryArrays(executor, text, params);
  }

  protected async runMigrationStep<T>(fn: (raw: RawExecutor) => Promise<T>): Promise<T> {
    const connection = this.shared.connection;
    // PRAGMA foreign_keys is a no-op inside a transaction: switch it off before, check before commit.
    connection.pragma('foreign_keys = OFF');
    try {
      const transaction = await this.openTransaction();
      try {
        const raw: RawExecutor = {
          exec: transaction.exec,
          query: async (query) => this.rows(this.root, query),
        };
        const result = await fn(raw);
        // A step that applied nothing (null: the database was at its target, as on every open of
        // a migrated file) changed no reference; the check reads every foreign key of every row,
        // about a second per open of a file with 100,000 runs (issue 13's bench).
        const violations = result === null ? [] : (connection.pragma('foreign_key_check') as Row[]);
        if (violations.length > 0) {
          const first = violations[0]!;
          throw new MigrationError(
            `foreign_key_check found ${violations.length} broken reference(s) after the migration, e.g. ${first.table} row ${first.rowid} → ${first.parent}`,
          );
        }
        await transaction.commit();
        return result;
      } catch (error) {
        await transaction.rollback();
        throw error;
      }
    } finally {
      connection.pragma('foreign_keys = ON');
    }
  }

  introspect(): Promise<SchemaShape> {
    return introspectSqlite((query) => this.query(query));
  }

  protected tableExistsQuery(name: string): SQL {
    return sql`select 1 from sqlite_master where type = 'table' and name = ${name}`;
  }

  protected async checkServer(): Promise<void> {
    const row = this.shared.connection.prepare('select sqlite_version() as v').get() as { v: string };
    assertSqliteVersion(row.v);
  }

  protected async release(): Promise<void> {
    releaseConnection(this.shared);
  }
}
