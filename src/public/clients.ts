/**
 * The clients `createDatabase({ client })` takes, typed by the members the library uses. They are
 * our own structural types so that the package's declarations need neither `@types/better-sqlite3`
 * nor the drivers' declarations: a better-sqlite3 `Database`, a postgres.js `Sql` and a `PGlite`
 * instance are assignable to them, a number or a plain object is not.
 */

/** A better-sqlite3 `Database` (`new Database(path)`). */
export interface SqliteClient {
  prepare(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): unknown;
  serialize(options?: { attached?: string }): Uint8Array;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly memory: boolean;
}

/** A postgres.js `Sql` (`postgres(url)`): a tagged-template function with these members. */
export interface PostgresJsClient {
  (template: TemplateStringsArray, ...parameters: never[]): PromiseLike<unknown>;
  unsafe(query: string, parameters?: never[]): PromiseLike<unknown>;
  reserve(): Promise<unknown>;
  end(options?: { timeout?: number | null }): Promise<void>;
  readonly options: object;
}

/** A PGlite instance (`await PGlite.create()`), with the pg_trgm extension loaded. */
export interface PgliteClient {
  readonly waitReady: Promise<void>;
  exec(query: string): Promise<unknown>;
  query(query: string, params?: never[]): Promise<unknown>;
  close(): Promise<void>;
  readonly closed: boolean;
}

/** A connection the caller already has: the library uses it and never closes it. */
export type Client = SqliteClient | PostgresJsClient | PgliteClient;

/**
 * A query built with drizzle-orm's `sql` template (`sql\`select ${id}\``), for `db.execute`. Typed
 * by its one member so that the package's declarations do not pull in drizzle-orm's.
 */
export interface SqlQuery {
  getSQL(): unknown;
}
