/**
 * A client handed in with a `url` beside it (docs/database.md "Opening a database"): the client
 * decides the database, so the url would be ignored, whether it names another dialect or the same
 * one. It is a ConfigurationError naming both options, thrown before anything is opened, and the
 * client stays usable. Same body on both dialects (the client is better-sqlite3's on SQLite,
 * postgres.js's on a PostgreSQL server). Found in a fresh-user trial:
 * `createDatabase({ client: new Database(':memory:'), url: 'postgresql://...' })` opened SQLite.
 */
import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, createDatabase, migrate } from '../src/index.js';
import { DIALECTS, postgresServerUrl } from './support/dialects.js';

const serverUrl = await postgresServerUrl();

/** A fresh client of the dialect, with a query that shows it still works, and its end. */
function clientOf(dialect: string) {
  if (dialect === 'sqlite') {
    const client = new Sqlite(':memory:');
    return {
      client,
      works: async () => client.prepare('select 1 as one').get(),
      end: async () => client.close(),
    };
  }
  const client = postgres(serverUrl!, { onnotice: () => {}, max: 1 });
  return { client, works: async () => (await client`select 1 as one`)[0], end: () => client.end() };
}

/** URLs of every kind, another dialect's and the client's own. */
const url = fc.constantFrom(
  'postgresql://postgres@127.0.0.1:5432/postgres',
  'sqlite:///tmp/orion-never-created.db',
  '/tmp/orion-never-created.db',
  ':memory:',
  'pglite://memory',
  '',
);

describe.each(DIALECTS)('a client with a url (%s)', (dialect) => {
  it.runIf(dialect === 'sqlite' || serverUrl)(
    'is a ConfigurationError naming both options, for createDatabase and migrate; the client still works',
    async () => {
      const { client, works, end } = clientOf(dialect);
      try {
        await fc.assert(
          fc.asyncProperty(url, fc.constantFrom('createDatabase', 'migrate'), async (u, call) => {
            // Nothing may be written through the client should the check be missing (on PostgreSQL
            // it reaches the server's own database): no migration, no verify, a dry run.
            const quiet = { client, url: u, env: {}, migrateOnOpen: false, verifyOnOpen: false };
            const opened =
              call === 'createDatabase' ? createDatabase(quiet) : migrate({ ...quiet, dryRun: true });
            const error = await opened.then(
              () => undefined,
              (e) => e,
            );
            expect(error).toBeInstanceOf(ConfigurationError);
            expect(error.message).toMatch(/"client" and "url"/);
          }),
          { numRuns: 12 },
        );
        expect(await works()).toEqual({ one: 1 });
        // The client alone still opens (a url undefined or null counts as not given, as
        // loadSettings reads them).
        for (const none of [undefined, null]) {
          const db = await createDatabase({
            client,
            url: none as unknown as undefined,
            env: {},
            migrateOnOpen: false,
            verifyOnOpen: false,
          });
          await db.close();
        }
        // A null client is not a client, and the error says that, not that both were given.
        const nullClient = await createDatabase({ client: null, url: ':memory:', env: {} } as never).then(
          () => undefined,
          (e) => e,
        );
        expect(nullClient).toBeInstanceOf(ConfigurationError);
        expect(nullClient.message).not.toMatch(/"client" and "url"/);
        expect(nullClient.message).toMatch(
          /takes a postgres\.js Sql, a better-sqlite3 Database or a PGlite instance/,
        );
      } finally {
        await end();
      }
    },
  );
});
