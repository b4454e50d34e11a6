/**
 * The Dialect interface: everything that differs between SQLite, PostgreSQL and PGlite. Code above
 * this folder never asks which database it talks to; it asks the dialect.
 */
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { DatabaseError } from '../errors.js';
import type { SqlFragments } from './fragments.js';
import type { SchemaShape } from '../introspection/schema-shape.js';
import type * as schema from '../schema/postgres/index.js';

import type { DialectName, DriverName } from './names.js';
import type { TransactionOptions } from './transaction.js';

export type { DialectName, DriverName };

/**
 * A Drizzle database or transaction. Repositories are typed against the PostgreSQL tables; at run
 * time a SQLite dialect hands them its own tables, whose query builders have the same shape.
 */
export type Executor = PgDatabase<PgQueryResultHKT, typeof schema>;

export type Row = Record<string, unknown>;

/** Raw access used by the migrator, inside one migration's transaction. */
export interface RawExecutor {
  /** Runs one statement of DDL or DML without parameters. */
  exec(statement: string): Promise<void>;
  /** Runs a query and returns its rows. */
  query(query: SQL): Promise<Row[]>;
}

export interface DialectCapabilities {
  /** `FOR UPDATE` / `SKIP LOCKED` exist (Postgres); on SQLite the up-front write lock serialises writers. */
  readonly rowLocking: boolean;
  /** Bind-parameter limit per statement, for sizing multi-row inserts. */
  readonly maxParameters: number;
  /**
   * Every query runs on the same Drizzle executor, in or out of a transaction (SQLite's one
   * connection), so prepared queries can be built once and reused.
   */
  readonly stableExecutor: boolean;
  /**
   * `WITH` may hold INSERT and UPDATE (PostgreSQL), so a write of several steps can be one
   * statement; SQLite refuses data-changing statements inside `WITH`.
   */
  readonly writableCte: boolean;
}

/** A transaction in progress as repositories see it: the executor its calls run on. */
export interface TransactionContext {
  readonly executor: Executor;
  readonly depth: number;
}

/** Text statements run synchronously (see Dialect.textNow). */
export interface TextNow {
  runText(executor: Executor, text: string, params: readonly unknown[]): void;
  queryArrays(executor: Executor, text: string, params: readonly unknown[]): unknown[][];
}

/** `transactionNow`'s answer when the call has to go through `transaction`. */
export const LATER: unique symbol = Symbol('orion.later');

export interface Dialect {
  readonly name: DialectName;
  readonly driver: DriverName;
  readonly capabilities: DialectCapabilities;
  /** The SQL fragments whose spelling differs (search, JSON lists). */
  readonly fragments: SqlFragments;
  /** The tables of this dialect, typed as the Postgres ones (see Executor). */
  readonly tables: typeof schema;
  /**
   * One library call: inside the open transaction of this async context (or `bound`, a `tx`
   * handle's), queued and in a savepoint of its own; otherwise on the connection, behind the gate
   * where there is one.
   */
  run<T>(fn: (executor: Executor) => Promise<T>, bound?: TransactionContext): Promise<T>;
  /**
   * One library call that sends a single statement, atomic by itself: like `run` (a savepoint of
   * its own inside a transaction), but on its own no BEGIN/COMMIT around it, the statement commits
   * alone; a deadlock or serialisation failure there is retried as a transaction of its own is.
   */
  statement<T>(fn: (executor: Executor) => Promise<T>, bound?: TransactionContext): Promise<T>;
  /**
   * One library call that must be atomic: like `run`, but on its own it gets a transaction of its
   * own, which `options` describe (a first statement that reads lets PostgreSQL send BEGIN with it).
   */
  transaction<T>(
    fn: (context: TransactionContext) => Promise<T>,
    bound?: TransactionContext,
    options?: TransactionOptions,
  ): Promise<T>;
  /**
   * Runs `send`, which sends the last statement of the call running now. When that call is the
   * whole body of a transaction the library opened for it, PostgreSQL sends COMMIT right behind
   * the statement (one round trip fewer) and nothing may be sent after it; inside a caller's
   * transaction (a savepoint), and elsewhere, it just runs `send`.
   */
  lastStatement<T>(send: () => Promise<T>): Promise<T>;
  /**
   * `transaction` for a synchronous `fn` that makes no library calls, run to the end now where the
   * driver answers synchronously and nothing else could run first (no transaction or call in this
   * async context, no `bound`, the gate idle, no turn of the event loop due, the handle open).
   * Returns its result or throws what `transaction` would reject with; LATER when it cannot run
   * now, and the caller goes through `transaction`.
   */
  transactionNow<T>(fn: (executor: Executor) => T, bound?: TransactionContext): T | typeof LATER;
  /**
   * `statement` for a synchronous `fn` whose statements are each atomic by themselves: run now on
   * the connection, with no BEGIN or COMMIT, under `transactionNow`'s conditions; LATER otherwise.
   */
  statementNow<T>(fn: (executor: Executor) => T, bound?: TransactionContext): T | typeof LATER;
  /**
   * `runText` and `queryArrays` answering at once, where the driver does (SQLite); absent
   * elsewhere. For the bodies of `transactionNow` and `statementNow`, and inside `transaction`.
   */
  readonly textNow?: TextNow;
  /**
   * The caller's `db.transaction(fn)`: a transaction (a savepoint inside an open one) that commits
   * when `fn` and the calls it started are done; `fn`'s own errors come back unchanged.
   */
  userTransaction<T>(fn: (context: TransactionContext) => Promise<T>, bound?: TransactionContext): Promise<T>;
  /**
   * A value built once from the root executor and reused, where the executor is stable (see
   * capabilities.stableExecutor); undefined elsewhere, and the caller builds its query each time.
   */
  reusable<T>(key: string, build: (root: Executor) => T): T | undefined;
  /**
   * Runs one parameterised statement given as text on `executor` (inside `run`/`transaction`):
   * for large statements built once as text rather than as Drizzle SQL objects, whose compilation
   * would cost more than the statement (logs.createMany). Placeholders are the fragments'
   * `placeholder(n)`; parameters are driver values. Returns nothing.
   */
  runText(executor: Executor, text: string, params: readonly unknown[]): Promise<void>;
  /**
   * Like `runText`, for a query: its rows as arrays of driver values, in the order of its select
   * list (times as the column holds them: Unix ms on SQLite, ISO text on PostgreSQL). For hot reads
   * whose rows the caller maps itself (logs).
   */
  queryArrays(executor: Executor, text: string, params: readonly unknown[]): Promise<unknown[][]>;
  /**
   * PostgreSQL over the network only (absent elsewhere): `statements` as a transaction of their
   * own on a connection reserved from the pool, sent with BEGIN and COMMIT in one go, so the
   * transaction takes one round trip and holds its row locks for no round trip of the client's.
   * For statements whose outcome needs no decision in between; the rows of each, in order. Call it
   * inside `statement` (which tracks, maps and retries the call).
   */
  transactionInOneTrip?(
    statements: readonly { text: string; params: readonly unknown[] }[],
  ): Promise<unknown[][][]>;
  /**
   * Runs `fn` if the transaction the current call runs in rolls back (with it, any transaction it
   * sits in); outside a transaction, never.
   */
  onRollback(fn: () => void): void;
  /**
   * The transaction a call made now would join (the innermost open one of the async context, or
   * the bound handle's; undefined outside any), to run later calls in: a call with it as `bound`
   * after it ended is a DatabaseError (semantics.md §7: a stream read after its transaction).
   */
  currentTransaction(bound?: TransactionContext): TransactionContext | undefined;
  /**
   * The promise a caller gets for a call on a `tx` handle bound to `bound`, made just now: watched,
   * so that when it fails and nobody handles it, the transaction it joined rolls back with its error.
   */
  watchCall<T>(promise: Promise<T>, bound: TransactionContext): Promise<T>;
  /**
   * The DatabaseError a library call made now fails with before it does anything: the handle is
   * closed (outside a transaction still in flight), or `bound`, a `tx` handle's transaction, has
   * ended. Undefined when the call may run. Every public method checks it on entry (database.ts),
   * so a call that needs no statement (an empty batch, no tags) fails as the others do.
   */
  refusal(bound?: TransactionContext): DatabaseError | undefined;
  /** Rows of a raw query, as one library call (see `run`). */
  query(query: SQL, bound?: TransactionContext): Promise<Row[]>;
  /**
   * One migration step: its own transaction, holding the migration lock, with the statement timeout
   * lifted; on SQLite with foreign keys off and `foreign_key_check` run before commit unless `fn`
   * resolved to null (it applied nothing).
   */
  migrationStep<T>(fn: (raw: RawExecutor) => Promise<T>): Promise<T>;
  /** True when a table of that name exists in the current schema. */
  hasTable(name: string): Promise<boolean>;
  /** The live schema of the database, read from its catalog. */
  introspect(): Promise<SchemaShape>;
  /** Checks the server version and required extensions; throws UnsupportedDatabaseError. */
  checkSupport(): Promise<void>;
  /** Waits for work in flight, then releases what this handle owns. Idempotent. */
  close(): Promise<void>;
}
