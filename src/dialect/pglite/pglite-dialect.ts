import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import * as schema from '../../schema/postgres/index.js';
import type { Executor, Row } from '../dialect.js';
import { Gate } from '../gate.js';
import { PgFamilyDialect } from '../postgres/pg-family-dialect.js';
import { checkPostgresSupport } from '../postgres/support.js';

/**
 * Embedded PostgreSQL (PGlite): the Postgres schema and SQL on one in-process session. That session
 * is a single connection, so like SQLite it sits behind a gate.
 */
export class PgliteDialect extends PgFamilyDialect {
  readonly driver = 'pglite' as const;

  constructor(
    private readonly client: PGlite,
    private readonly owned: boolean,
  ) {
    super(drizzle(client, { schema }) as unknown as Executor, new Gate());
  }

  protected checkServer(): Promise<void> {
    return checkPostgresSupport(async (text) => (await this.client.query<Row>(text)).rows);
  }

  protected async release(): Promise<void> {
    if (this.owned && !this.client.closed) await this.client.close();
  }
}
