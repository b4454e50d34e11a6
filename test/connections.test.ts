import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, DatabaseError, createDatabase } from '../src/index.js';
import { openDialect } from '../src/dialect/open.js';
import Sqlite from 'better-sqlite3';
import { openForCli } from '../src/cli/context.js';
import { loadSettings } from '../src/settings/load.js';
import { createTestDatabase } from '../src/testing/index.js';
import { postgresIsServer } from './support/dialects.js';
import { appendRevision, copyMigrations } from './support/migrations-copy.js';

const serverAvailable = await postgresIsServer();
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQLite files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-conn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the parent folder, uses WAL, foreign keys and the busy timeout', async () => {
    const file = join(dir, 'nested', 'deeper', 'orion.db');
    const db = await createDatabase({ url: file, timeoutSeconds: 7 });
    try {
      expect(await db.execute('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await db.execute('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
      expect(await db.execute('pragma busy_timeout')).toEqual([{ timeout: 7000 }]);
      expect((await db.migrations.status()).pending).toEqual([]);
    } finally {
      await db.close();
    }
  });

  // A checkpoint is what syncs under synchronous=NORMAL; at SQLite's default of 1,000 pages it ran
  // every ~60 state transitions (connection.ts, issue 13). The setting is the connection's, so it
  // must hold wherever the library opens or configures one: createDatabase, the CLI, a handed-in client.
  it('checkpoints the WAL every 4,000 pages, opened by createDatabase, by the CLI or handed in', async () => {
    const file = join(dir, 'checkpoint.db');
    const expected = [{ wal_autocheckpoint: 4000 }];
    const db = await createDatabase({ url: file });
    try {
      expect(await db.execute('pragma wal_autocheckpoint')).toEqual(expected);
    } finally {
      await db.close();
    }
    const cli = await openForCli({ url: file });
    try {
      expect(await cli.execute('pragma wal_autocheckpoint')).toEqual(expected);
    } finally {
      await cli.close();
    }
    const client = new Sqlite(file);
    try {
      const handed = await createDatabase({ client });
      expect(await handed.execute('pragma wal_autocheckpoint')).toEqual(expected);
      await handed.close();
    } finally {
      client.close();
    }
  });

  it('shares one connection between handles on one file; closing one leaves the other working', async () => {
    const file = join(dir, 'shared.db');
    const a = await createDatabase({ url: file });
    const b = await createDatabase({ url: `sqlite:///${file}` });
    try {
      // A temporary table is visible only on its own connection: seeing it from b proves sharing.
      await a.execute('create temp table only_on_this_connection (x integer)');
      expect(
        await b.execute(`select name from sqlite_temp_master where name = 'only_on_this_connection'`),
      ).toHaveLength(1);
      await a.close();
      expect(await b.execute('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.each(['sqlite', 'postgresql'] as const)('lifecycle (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it('close() waits for a transaction in flight to finish', async () => {
    let finished = false;
    const work = db.transaction(async (tx) => {
      await delay(50);
      await tx.execute('select 1');
      finished = true;
    });
    await delay(5);
    await db.close();
    expect(finished).toBe(true);
    await work;
    await expect(db.execute('select 1')).rejects.toThrow(/closed/);
  });
});

describe.runIf(serverAvailable)('PostgreSQL server behaviour', () => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
  });
  afterEach(async () => {
    await db.close();
  });

  const seedCounters = () =>
    db.execute(
      `insert into configuration (id, created, updated, key, value) values
        ('0190a1b2-c3d4-7e5f-8a9b-00000000000a', now(), now(), 'a', '0'),
        ('0190a1b2-c3d4-7e5f-8a9b-00000000000b', now(), now(), 'b', '0')`,
    );
  const increment = (key: string) =>
    `update configuration set value = to_jsonb(value::text::int + 1) where key = '${key}'`;

  /** Two transactions that lock a then b and b then a, meeting at a barrier: one is the deadlock victim. */
  const crossingPair = (
    open: (body: (exec: (text: string) => Promise<unknown>) => Promise<void>) => Promise<void>,
  ) => {
    let bothLocked!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothLocked = resolve;
    });
    let arrived = 0;
    const counter = { attempts: 0 };
    const crossing = (first: string, second: string) =>
      open(async (exec) => {
        counter.attempts++;
        await exec(increment(first));
        if (++arrived === 2) bothLocked();
        await barrier;
        await exec(increment(second));
      });
    return { counter, both: Promise.allSettled([crossing('a', 'b'), crossing('b', 'a')]) };
  };

  it("retries the library's own transaction that lost a deadlock; both callers succeed", async () => {
    await seedCounters();
    const dialect = await openDialect(
      loadSettings({ url: db.settings.url, migrateOnOpen: false }),
      undefined,
      {
        create: false,
      },
    );
    try {
      const { counter, both } = crossingPair((body) =>
        dialect.transaction(({ executor }) => body((text) => executor.execute(sql.raw(text)))),
      );
      expect((await both).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      // One of the two was chosen as the deadlock victim, rolled back and run again.
      expect(counter.attempts).toBe(3);
    } finally {
      await dialect.close();
    }
    // Raw rows carry JSON as its text, as on SQLite (docs/database.md, "Parsing once").
    expect(await db.execute('select key, value from configuration order by key')).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '2' },
    ]);
  });

  it("never runs a caller's callback again: the deadlock victim gets a retryable DatabaseError", async () => {
    await seedCounters();
    const { counter, both } = crossingPair((body) =>
      db.transaction(async (tx) => body((text) => tx.execute(text))),
    );
    const outcomes = await both;
    expect(counter.attempts).toBe(2);
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toBeInstanceOf(DatabaseError);
    expect((failed[0]!.reason as DatabaseError).retryable).toBe(true);
    // The winner's two increments landed; the victim's were rolled back with it.
    const values = (await db.execute<{ value: string }>('select value from configuration order by key')).map(
      (r) => r.value,
    );
    expect(values).toEqual(['1', '1']);
  });

  it('applies the statement timeout to normal work and lifts it for migrations', async () => {
    const impatient = await createDatabase({
      url: db.settings.url,
      // The shortest a PostgreSQL pool takes (docs/settings.md).
      timeoutSeconds: 1,
      migrateOnOpen: false,
    });
    const copy = copyMigrations();
    try {
      const error = await impatient.execute('select pg_sleep(2.5)').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).retryable).toBe(true);
      appendRevision(copy.dir, 'deadbeef0001', 'slow_one', 'SELECT pg_sleep(1.5);', 'SELECT 1;');
      const slow = await createDatabase({
        url: db.settings.url,
        timeoutSeconds: 1,
        migrateOnOpen: false,
        // One revision behind the copied folder's head, on purpose: this open migrates it.
        verifyOnOpen: false,
        migrationsDir: copy.dir,
      });
      try {
        expect((await slow.migrate({ to: 'head' })).applied.map((a) => a.name)).toEqual(['slow_one']);
      } finally {
        await slow.close();
      }
    } finally {
      copy.dispose();
      await impatient.close();
    }
  });
});

describe('PGlite data directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shares one instance between handles on one directory and persists across reopening', async () => {
    const url = `pglite://${join(dir, 'data')}`;
    const [a, b] = await Promise.all([createDatabase({ url }), createDatabase({ url })]);
    await a.flows.create({ name: 'shared' });
    expect((await b.flows.getByName('shared'))?.name).toBe('shared');
    await a.close();
    expect(await b.flows.count()).toBe(1);
    await b.close();
    const reopened = await createDatabase({ url });
    try {
      expect(await reopened.flows.count()).toBe(1);
    } finally {
      await reopened.close();
    }
  });
});
