import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import * as schema from '../../schema/postgres/index.js';
import type { Executor, Row } from '../dialect.js';
import { PgFamilyDialect } from '../postgres/pg-family-dialect.js';
import { type SharedPglite, releasePglite } from './instances.js';
import { withLibraryParsers } from './library-parsers.js';
import { checkPostgresSupport } from '../postgres/support.js';

/**
 * Embedded PostgreSQL (PGlite): the Postgres schema and SQL on one in-process session. That session
 * is a single connection, so like SQLite it sits behind a gate, shared by every handle on it.
 */
export class PgliteDialect extends PgFamilyDialect {
  readonly driver = 'pglite' as const;

  private readonly client: PGlite;

  constructor(
    private readonly shared: SharedPglite,
    private readonly owned: boolean,
  ) {
    super(
      drizzle(withLibraryParsers(shared.instance), { schema }) as unknown as Executor,
      shared.gate,
      shared.storage,
    );
    this.client = shared.instance;
  }

  protected checkServer(): Promise<void> {
    return checkPostgresSupport(async (text) => (await this.client.query<Row>(text)).rows);
  }

  protected async release(): Promise<void> {
    if (this.owned) await releasePglite(this.shared);
  }
}
