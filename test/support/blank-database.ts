import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import Sqlite from 'better-sqlite3';
import { type DatabaseOptions, type DialectName, createDatabase } from '../../src/index.js';
import { resolvePostgresSource } from '../../src/testing/index.js';
import { createServerDatabase, dropServerDatabase } from '../../src/testing/postgres-server.js';

/**
 * An empty database that a test may open several times (with different migration folders, or
 * after editing files): the options to pass to createDatabase, and a dispose().
 */
export interface BlankDatabase {
  options: DatabaseOptions;
  /** Set for a real Postgres server: child processes can connect to it. */
  url?: string;
  open(extra?: DatabaseOptions): ReturnType<typeof createDatabase>;
  dispose(): Promise<void>;
}

export async function blankDatabase(dialect: DialectName): Promise<BlankDatabase> {
  const make = (options: DatabaseOptions, dispose: () => Promise<void>, url?: string): BlankDatabase => ({
    options,
    url,
    // A blank database is behind the code by definition, so opening it to migrate skips the at-head check.
    open: (extra = {}) => createDatabase({ migrateOnOpen: false, verifyOnOpen: false, ...options, ...extra }),
    dispose,
  });
  if (dialect === 'sqlite') {
    const client = new Sqlite(':memory:');
    return make({ client }, async () => {
      client.close();
    });
  }
  const source = await resolvePostgresSource();
  if (source.kind === 'pglite') {
    const client = await PGlite.create({ extensions: { pg_trgm } });
    return make({ client }, () => client.close());
  }
  const url = await createServerDatabase(source.url, false);
  const name = new URL(url).pathname.slice(1);
  return make({ url }, () => dropServerDatabase(source.url, name), url);
}
