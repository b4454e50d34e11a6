/**
 * URL options Prefect users carry reach the real PostgreSQL understood or not at all (issue 12 §2):
 * before, postgres.js sent every option it did not know to the server, which refused the connection
 * ("unrecognized configuration parameter").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createDatabase } from '../src/index.js';
import { type BlankDatabase, blankDatabase } from './support/blank-database.js';
import { postgresIsServer } from './support/dialects.js';

const serverAvailable = await postgresIsServer();

describe.skipIf(!serverAvailable)('asyncpg and SQLAlchemy URL options on PostgreSQL', () => {
  let blank: BlankDatabase;
  let asyncpg: string;
  beforeAll(async () => {
    blank = await blankDatabase('postgresql');
    asyncpg = blank.url!.replace(/^postgres(ql)?:/, 'postgresql+asyncpg:');
  });
  afterAll(() => blank?.dispose());

  it('connects with Prefect options; prepared_statement_cache_size=0 really turns prepared statements off', async () => {
    const query = [
      'prepared_statement_cache_size=0',
      'command_timeout=30',
      'async_fallback=true',
      'ssl=prefer',
      'application_name=prefect-etl',
      'max_cached_statement_lifetime=0',
    ].join('&');
    // One connection, so that the session asked below is the one that ran the queries.
    const db = await createDatabase({ url: `${asyncpg}?${query}`, isolated: true, poolSize: 1 });
    try {
      expect(db.settings.preparedStatements).toBe(false);
      expect(db.settings.notes).toHaveLength(1);
      expect(db.settings.notes[0]).toContain(
        'command_timeout, async_fallback, max_cached_statement_lifetime',
      );
      await db.flows.create({ name: 'a' });
      await db.flows.create({ name: 'b' });
      expect(await db.flows.count()).toBe(2);
      const [session] = await db.execute<{ name: string; prepared: number }>(
        "select current_setting('application_name') as name, (select count(*)::int from pg_prepared_statements) as prepared",
      );
      expect(session).toEqual({ name: 'prefect-etl', prepared: 0 });
    } finally {
      await db.close();
    }
  });

  it('prepares statements when nothing turns them off (the check above can fail)', async () => {
    const db = await createDatabase({ url: asyncpg, isolated: true, poolSize: 1 });
    try {
      await db.flows.count();
      await db.flows.count();
      const [row] = await db.execute<{ prepared: number }>(
        'select count(*)::int as prepared from pg_prepared_statements',
      );
      expect(row!.prepared).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it('honours sslmode: require fails against this server without TLS, disable connects', async () => {
    const on = createDatabase({ url: `${asyncpg}?sslmode=require`, isolated: true, timeoutSeconds: 5 });
    await expect(on).rejects.toThrow(/TLS/);
    const off = await createDatabase({ url: `${asyncpg}?ssl=false`, isolated: true });
    try {
      expect(await off.flows.count()).toBeGreaterThanOrEqual(0);
    } finally {
      await off.close();
    }
  });

  it('an option that is neither client-only nor a server setting is a ConfigurationError naming it', async () => {
    const open = createDatabase({ url: `${asyncpg}?statment_cache_size=0`, isolated: true });
    await expect(open).rejects.toThrow(ConfigurationError);
    await expect(open).rejects.toThrow(
      /^ORION_DATABASE_URL \(from option\): the URL option statment_cache_size is not a PostgreSQL setting/,
    );
  });
});
