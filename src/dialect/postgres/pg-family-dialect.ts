import { type SQL, sql } from 'drizzle-orm';
import { introspectPostgres } from '../../introspection/postgres.js';
import type { SchemaShape } from '../../introspection/schema-shape.js';
import * as schema from '../../schema/postgres/index.js';
import { BaseDialect } from '../base-dialect.js';
import type { DialectCapabilities, Executor, RawExecutor, Row } from '../dialect.js';
import type { Gate } from '../gate.js';
import { FrameStorage } from '../frame-storage.js';
import { postgresFragments } from './fragments.js';

/** Any 64-bit number unique to us: the advisory lock that serialises migrators. */
export const MIGRATION_LOCK_KEY = 7_104_711_000_217;

type Transactional = Executor & { transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> };

/** postgres.js returns an array of rows; PGlite returns `{ rows }`. */
export function pgRows(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}

/** The part of Drizzle's postgres.js and PGlite sessions that runs a statement given as text. */
interface PreparingSession {
  prepareQuery(
    query: { sql: string; params: unknown[] },
    fields: undefined,
    name: undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: (rows: unknown[][]) => unknown,
  ): { execute(): Promise<unknown> };
}

/**
 * What PostgreSQL and PGlite share: the advisory-lock migration step, the catalog queries and the
 * row shape. They differ in connection, in how a transaction is opened, and in the gate.
 */
export abstract class PgFamilyDialect extends BaseDialect {
  readonly name = 'postgresql' as const;
  readonly capabilities: DialectCapabilities = {
    rowLocking: true,
    // postgres.js refuses 65,534 parameters or more (MAX_PARAMETERS_EXCEEDED); the protocol allows 65,535.
    maxParameters: 65533,
    stableExecutor: false,
    writableCte: true,
  };
  readonly tables = schema;
  readonly fragments = postgresFragments;

  protected constructor(root: Executor, gate: Gate | undefined, storage: FrameStorage = new FrameStorage()) {
    super(root, storage, gate);
  }

  protected async rows(executor: Executor, query: SQL): Promise<Row[]> {
    return pgRows(await executor.execute(query));
  }

  async runText(executor: Executor, text: string, params: readonly unknown[]): Promise<void> {
    // Through Drizzle's session: the same client (and prepared-statement setting) as every query.
    const session = (executor as unknown as { session: PreparingSession }).session;
    await session
      .prepareQuery({ sql: text, params: params as unknown[] }, undefined, undefined, false)
      .execute();
  }

  async queryArrays(executor: Executor, text: string, params: readonly unknown[]): Promise<unknown[][]> {
    const session = (executor as unknown as { session: PreparingSession }).session;
    // A result mapper makes Drizzle ask the driver for arrays (decoded once, isolated-client.ts).
    const rows = await session
      .prepareQuery({ sql: text, params: params as unknown[] }, undefined, undefined, true, (r) => r)
      .execute();
    return rows as unknown[][];
  }

  introspect(): Promise<SchemaShape> {
    return introspectPostgres((query) => this.query(query));
  }

  protected tableExistsQuery(name: string): SQL {
    return sql`select 1 from pg_tables where schemaname = current_schema() and tablename = ${name}`;
  }

  protected runMigrationStep<T>(fn: (raw: RawExecutor) => Promise<T>): Promise<T> {
    return (this.root as Transactional).transaction(async (tx) => {
      // Transaction-scoped: no session state, so it also works through PgBouncer transaction pooling.
      await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
      await tx.execute(sql`set local statement_timeout = 0`);
      // The steps' IF NOT EXISTS notices ("relation orion_migrations already exists, skipping") are
      // not news: a caller's client prints them (postgres.js's default onnotice), ours drops them.
      await tx.execute(sql`set local client_min_messages = warning`);
      return fn({
        exec: async (statement) => {
          await tx.execute(sql.raw(statement));
        },
        query: async (query) => pgRows(await tx.execute(query)),
      });
    });
  }
}
