/**
 * `@orion/db/testing` (semantics.md §9): `createTestDatabase` reads only what it documents, so a
 * hostile shell cannot break it; databases a killed process left behind are swept by the next
 * process that creates one, while a live process's are never touched.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, releaseTestResources } from '../src/testing/index.js';
import { DIALECTS, postgresIsServer, postgresServerUrl } from './support/dialects.js';
import { ROOT } from './support/spawn.js';

const HOSTILE = {
  ORION_DATABASE_URL: 'mysql://x',
  ORION_DATABASE_TIMEOUT: 'abc',
  ORION_DATABASE_POOL_SIZE: '-3',
  ORION_DATABASE_MIGRATE_ON_START: 'maybe',
  ORION_PROFILE: 'broken',
  PREFECT_API_DATABASE_CONNECTION_URL: 'postgresql+asyncpg://nobody@nowhere:1/none',
};

describe.each(DIALECTS)('createTestDatabase in a hostile environment (%s)', (dialect) => {
  const home = mkdtempSync(join(tmpdir(), 'orion-hostile-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('ignores ORION_* settings, Prefect aliases and a broken profile: it supplies its own connection', async () => {
    writeFileSync(
      join(home, 'profiles.toml'),
      'active = "broken"\n[profiles.broken]\nORION_DATABASE_URL = "mysql://y"\nUNKNOWN_KEY = "1"\n',
    );
    const saved = { ...process.env };
    Object.assign(process.env, HOSTILE, { ORION_HOME: home });
    try {
      const db = await createTestDatabase({ dialect });
      try {
        const flow = await db.flows.create({ name: 'isolated' });
        expect((await db.flows.get(flow.id))?.name).toBe('isolated');
        expect(db.settings.sources.ORION_DATABASE_TIMEOUT).toBe('default');
        expect(db.settings.timeoutSeconds).toBe(10);
      } finally {
        await db.close();
      }
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

/** A child holding a test database: resolves with it once it printed the database's name. */
function child(): Promise<{ proc: ChildProcessWithoutNullStreams; name: string; exited: Promise<void> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/test-db-child.ts'], {
    cwd: ROOT,
    env: process.env,
  });
  const exited = new Promise<void>((resolve) => proc.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d;
    });
    proc.stdout.on('data', (d) => {
      out += d;
      const match = /database (\S+)/.exec(out);
      if (match) resolve({ proc, name: match[1]!, exited });
    });
    proc.on('close', (code) => reject(new Error(`child exited (${code}) before opening: ${err}`)));
  });
}

const serverUrl = await postgresServerUrl();

describe.runIf(await postgresIsServer())('orphaned test databases on a server', () => {
  const admin = postgres(serverUrl ?? '', { max: 1, onnotice: () => {} });
  afterAll(() => admin.end());
  const exists = async (name: string) =>
    (await admin.unsafe('select 1 from pg_database where datname = $1', [name])).length > 0;

  it('releaseTestResources() with a database still open: the next creation does not sweep it; its close drops it', async () => {
    const a = await createTestDatabase({ dialect: 'postgresql' });
    const nameOfA = new URL(a.settings.url).pathname.slice(1);
    await releaseTestResources();
    // A new owner, whose first creation sweeps orphans: a's owner still holds its lock.
    const b = await createTestDatabase({ dialect: 'postgresql' });
    try {
      const flow = await a.flows.create({ name: 'still mine' });
      expect((await a.flows.get(flow.id))?.name).toBe('still mine');
      expect(await exists(nameOfA)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
    expect(await exists(nameOfA)).toBe(false);
    // a's owner connection ended with its last database: no session holds its lock any more.
    const [row] = await admin.unsafe<{ held: number }[]>(
      `select count(*)::int as held from pg_locks where locktype = 'advisory' and classid = $1 and objid = $2`,
      [710_471, Number(/^orion_test_(\d+)_/.exec(nameOfA)![1])],
    );
    expect(row?.held).toBe(0);
    await releaseTestResources();
  }, 60_000);

  it("the next process sweeps a killed or exited process's databases, never a live process's", async () => {
    const live = await child();
    const killed = await child();
    const exited = await child();
    killed.proc.kill('SIGKILL');
    exited.proc.stdin.write('exit\n');
    await Promise.all([killed.exited, exited.exited]);
    for (const c of [live, killed, exited]) expect(await exists(c.name)).toBe(true);

    const sweeper = await child(); // its first createTestDatabase sweeps
    expect(await exists(killed.name)).toBe(false);
    expect(await exists(exited.name)).toBe(false);
    expect(await exists(live.name)).toBe(true);

    for (const c of [live, sweeper]) c.proc.stdin.write('close\n');
    await Promise.all([live.exited, sweeper.exited]);
    expect(await exists(live.name)).toBe(false);
    expect(await exists(sweeper.name)).toBe(false);
  }, 120_000);
});
