import { drizzle } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import * as schema from '../../schema/postgres/index.js';
import type { Executor, Row } from '../dialect.js';
import { isolateClient } from './isolated-client.js';
import { withPreparedStatements } from './prepared-client.js';
import { PgFamilyDialect } from './pg-family-dialect.js';
import { checkPostgresSupport } from './support.js';

/** PostgreSQL through a postgres.js pool: one pool per handle, closed on close() when we created it. */
export class PostgresDialect extends PgFamilyDialect {
  readonly driver = 'postgres' as const;

  constructor(
    private readonly client: postgres.Sql,
    private readonly owned: boolean,
    preparedStatements: boolean,
  ) {
    super(
      drizzle(isolateClient(withPreparedStatements(client, preparedStatements)), {
        schema,
      }) as unknown as Executor,
      undefined,
    );
  }

  protected checkServer(): Promise<void> {
    return checkPostgresSupport(async (text) => [...(await this.client.unsafe(text))] as Row[]);
  }

  protected async release(): Promise<void> {
    if (this.owned) await this.client.end({ timeout: 5 });
  }
}
