import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import * as schema from '../../schema/postgres/index.js';
import { DatabaseError } from '../../errors.js';
import type { Executor, Row } from '../dialect.js';
import type { TransactionConnection } from '../transaction.js';
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

  /** BEGIN on the one session, which the gate keeps ours until COMMIT or ROLLBACK. */
  protected async openTransaction(): Promise<TransactionConnection> {
    const client = this.client;
    await client.exec('begin');
    return {
      executor: this.root,
      exec: async (statement) => {
        await client.exec(statement);
      },
      commit: async () => {
        // COMMIT on an aborted transaction answers ROLLBACK without an error (semantics.md §1).
        const command = (await client.exec('commit')).at(-1)?.command;
        if (command !== 'COMMIT') {
          throw new DatabaseError(
            `PostgreSQL answered COMMIT with ${command}: the transaction was rolled back, nothing was written`,
          );
        }
      },
      rollback: async () => {
        await client.exec('rollback');
      },
      release: () => {},
    };
  }

  protected checkServer(): Promise<void> {
    return checkPostgresSupport(async (text) => (await this.client.query<Row>(text)).rows);
  }

  protected async release(): Promise<void> {
    if (this.owned) await releasePglite(this.shared);
  }
}
