import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConflictError,
  type Database,
  DatabaseError,
  OrionDbError,
  UnsupportedDatabaseError,
  createDatabase,
} from '../src/index.js';
import { checkPostgresSupport } from '../src/dialect/postgres/support.js';
import { assertSqliteVersion } from '../src/dialect/sqlite/sqlite-dialect.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS, postgresServerUrl } from './support/dialects.js';

const serverUrl = await postgresServerUrl();
const refusal = (open: Promise<Database>) =>
  open.then(
    async (db) => {
      await db.close();
      return expect.unreachable('the open should have failed');
    },
    (error: unknown) => error as Error,
  );

describe.each(DIALECTS)('driver errors become typed errors (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  const time = () => (dialect === 'sqlite' ? Date.now() : new Date().toISOString());
  const insertFlow = (id: string, name: string) =>
    db.execute(
      sql`insert into flow (id, created, updated, name) values (${id}, ${time()}, ${time()}, ${name})`,
    );

  it('maps a unique violation to ConflictError with the same constraint name on both dialects', async () => {
    await insertFlow('0190a1b2-c3d4-7e5f-8a9b-000000000001', 'etl');
    const error = await insertFlow('0190a1b2-c3d4-7e5f-8a9b-000000000002', 'etl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ entity: 'flow', constraint: 'uq_flow__name', code: 'CONFLICT' });
    expect(await db.execute('select name from flow')).toEqual([{ name: 'etl' }]);
  });

  it('names a composite unique constraint the same way on both dialects', async () => {
    const flowId = '0190a1b2-c3d4-7e5f-8a9b-000000000001';
    await insertFlow(flowId, 'etl');
    const run = (id: string) =>
      db.execute(
        sql`insert into flow_run (id, created, updated, name, flow_id, idempotency_key) values (${id}, ${time()}, ${time()}, 'r', ${flowId}, 'k')`,
      );
    await run('0190a1b2-c3d4-7e5f-8a9b-000000000003');
    await expect(run('0190a1b2-c3d4-7e5f-8a9b-000000000004')).rejects.toMatchObject({
      constraint: 'uq_flow_run__flow_id_idempotency_key',
    });
  });

  it('never lets a raw driver error through', async () => {
    const error = await db.execute('select * from no_such_table').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toBeInstanceOf(OrionDbError);
    expect((error as Error).message).toMatch(/no_such_table/);
    expect((error as Error).message).not.toMatch(/not migrated/);
  });

  it("says a table of the library's schema is missing because the database is not migrated", async () => {
    await db.migrate({ to: 'base' });
    for (const call of [
      () => db.flows.list(),
      () => db.flowRuns.count(),
      () => db.execute('select * from log'),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as Error).message).toMatch(
        /^The table "(flow|flow_run|log)" does not exist: this database is not migrated to the library's schema \(migrate\(\) or `orion-db upgrade`/,
      );
      expect((error as DatabaseError).cause).toBeDefined();
    }
  });
});

describe('server support checks', () => {
  const stub = (rows: Record<string, unknown>[][]) => async (): Promise<Record<string, unknown>[]> =>
    rows.shift() ?? [];
  const version = (num: number, text: string) => [{ num, text }];
  const trgm = (over: Record<string, unknown>) => [
    { installed: false, available: true, superuser: false, can_create: true, database: 'orion', ...over },
  ];

  it('refuses PostgreSQL older than 13 and says what to do', async () => {
    const check = checkPostgresSupport(stub([version(120015, '12.15')]));
    await expect(check).rejects.toBeInstanceOf(UnsupportedDatabaseError);
    await expect(checkPostgresSupport(stub([version(120015, '12.15')]))).rejects.toThrow(
      /PostgreSQL 12\.15 is too old.*13 or newer/,
    );
  });

  it('accepts 13+ with pg_trgm installed, or creatable by this user', async () => {
    await expect(
      checkPostgresSupport(stub([version(130000, '13.0'), trgm({ installed: true })])),
    ).resolves.toBeUndefined();
    await expect(checkPostgresSupport(stub([version(150004, '15.4'), trgm({})]))).resolves.toBeUndefined();
  });

  it('explains how to get pg_trgm when the server does not have it', async () => {
    await expect(
      checkPostgresSupport(stub([version(150004, '15.4'), trgm({ available: false })])),
    ).rejects.toThrow(/pg_trgm extension is not available.*contrib.*CREATE EXTENSION IF NOT EXISTS pg_trgm/);
  });

  it('gives the exact statement when this user may not enable pg_trgm', async () => {
    await expect(
      checkPostgresSupport(stub([version(150004, '15.4'), trgm({ can_create: false, superuser: false })])),
    ).rejects.toThrow(/superuser run CREATE EXTENSION IF NOT EXISTS pg_trgm; in database "orion"/);
  });

  it('refuses a SQLite library older than 3.38', () => {
    expect(() => assertSqliteVersion('3.37.2')).toThrow(UnsupportedDatabaseError);
    expect(() => assertSqliteVersion('3.9.0')).toThrow(/3\.9\.0 is too old/);
    expect(() => assertSqliteVersion('3.38.0')).not.toThrow();
    expect(() => assertSqliteVersion('3.49.1')).not.toThrow();
  });
});

describe('opening', () => {
  it('refuses an unparseable URL with a ConfigurationError, password masked', async () => {
    const error = await createDatabase({ url: 'postgresql://bob:topsecret@[oops/orion' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/ORION_DATABASE_URL \(from option\)/);
    expect((error as Error).message).not.toContain('topsecret');
  });

  it.runIf(serverUrl !== undefined)(
    'reports a PostgreSQL database or role that does not exist as a ConfigurationError',
    async () => {
      const missing = new URL(serverUrl!);
      missing.pathname = '/orion_no_such_database';
      const error = await refusal(createDatabase({ url: missing.toString(), migrateOnOpen: false }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toMatch(
        /orion_no_such_database.*does not exist.*`createdb orion_no_such_database`/,
      );
      const stranger = new URL(serverUrl!);
      stranger.username = 'orion_no_such_role';
      stranger.password = 'topsecret';
      const refused = await refusal(createDatabase({ url: stranger.toString(), migrateOnOpen: false }));
      expect(refused).toBeInstanceOf(ConfigurationError);
      expect(refused.message).toMatch(/refused the login.*ORION_DATABASE_URL/);
      expect(refused.message).not.toContain('topsecret');
    },
  );

  it('reports an unreachable server as a retryable DatabaseError without the password', async () => {
    const error = await createDatabase({
      url: 'postgresql://bob:topsecret@127.0.0.1:1/orion',
      timeoutSeconds: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).retryable).toBe(true);
    expect((error as Error).message).not.toContain('topsecret');
  });
});
