/**
 * The PostgreSQL template behind `createTestDatabase` (src/testing/postgres-template.ts): keyed by
 * the migrations, so a different head builds a template of its own; rebuilt when it disappears;
 * built once when several processes need it at the same moment. Each test uses a migrations folder
 * with a revision of its own (a random id and table), so its template is new to the server and the
 * shared template other test files use is never touched.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/index.js';
import { createServerDatabase, dropServerDatabase } from '../src/testing/postgres-server.js';
import { templateName } from '../src/testing/postgres-template.js';
import { postgresIsServer, postgresServerUrl } from './support/dialects.js';
import { appendRevision, copyMigrations } from './support/migrations-copy.js';
import { ROOT } from './support/spawn.js';

const serverUrl = (await postgresServerUrl()) ?? '';

/** A copy of the migrations with one more revision, creating table `extra_<hex>`. */
function extendedMigrations() {
  const copy = copyMigrations();
  const id = randomBytes(6).toString('hex');
  appendRevision(
    copy.dir,
    id,
    `extra_${id}`,
    `CREATE TABLE extra_${id} (id integer);`,
    `DROP TABLE extra_${id};`,
  );
  return { ...copy, table: `extra_${id}`, template: templateName(copy.dir) };
}

describe.runIf(await postgresIsServer())('test database templates on a server', () => {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const templates: string[] = [];
  afterAll(async () => {
    for (const name of templates) await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const databases = async (like: string) =>
    (
      await admin.unsafe<{ datname: string }[]>(
        'select datname from pg_database where datname like $1 order by 1',
        [like],
      )
    ).map((r) => r.datname);

  /** Creates a test database from `dir`, checks it is at that folder's head with `table`, drops it. */
  async function createAndCheck(dir: string, table: string) {
    const url = await createServerDatabase(serverUrl, true, dir);
    const db = await createDatabase({ url, migrationsDir: dir, migrateOnOpen: false, isolated: true });
    try {
      expect(await db.execute(`select count(*)::int as n from ${table}`)).toEqual([{ n: 0 }]);
    } finally {
      await db.close();
      await dropServerDatabase(serverUrl, new URL(url).pathname.slice(1));
    }
  }

  it('builds a new template when the migration head differs, past a half-built leftover; rebuilds a dropped one', async () => {
    const extended = extendedMigrations();
    templates.push(extended.template);
    try {
      expect(extended.template).not.toBe(templateName());
      expect(await databases(extended.template)).toEqual([]);
      // What a builder killed mid-way leaves behind: the next build replaces it.
      await admin.unsafe(`create database ${extended.template}_building`);

      await createAndCheck(extended.dir, extended.table);
      expect(await databases(`${extended.template}%`)).toEqual([extended.template]);

      // Dropped by hand while this process remembers it: the next creation builds it again.
      await admin.unsafe(`drop database ${extended.template}`);
      await createAndCheck(extended.dir, extended.table);
      expect(await databases(`${extended.template}%`)).toEqual([extended.template]);

      // The packaged migrations' template has no such table.
      const url = await createServerDatabase(serverUrl, true);
      const db = await createDatabase({ url, migrateOnOpen: false, isolated: true });
      try {
        await expect(db.execute(`select 1 from ${extended.table}`)).rejects.toThrow();
      } finally {
        await db.close();
        await dropServerDatabase(serverUrl, new URL(url).pathname.slice(1));
      }
    } finally {
      extended.dispose();
    }
  }, 120_000);

  it('three processes creating the first test databases of a new template at once all succeed, and build it once', async () => {
    const extended = extendedMigrations();
    templates.push(extended.template);
    try {
      const children = Array.from({ length: 3 }, () => raceChild(extended.dir));
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.proc.stdin.end('go\n');
      const results = await Promise.all(children.map((c) => c.done));
      for (const r of results) expect(r.out, r.err).toMatch(/^ok orion_test_/m);
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(await databases(`${extended.template}%`)).toEqual([extended.template]);
      // Each child dropped its own database.
      const names = results.map((r) => /^ok (\S+)/m.exec(r.out)![1]!);
      expect(new Set(names).size).toBe(3);
      for (const name of names) expect(await databases(name)).toEqual([]);
    } finally {
      extended.dispose();
    }
  }, 180_000);
});

function raceChild(dir: string) {
  const proc: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/template-race-child.ts', dir],
    { cwd: ROOT, env: process.env },
  );
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => {
    err += d;
  });
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    proc.on('close', () => reject(new Error(`child exited before it was ready: ${err}`)));
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    proc.on('close', (code) => resolve({ code, out, err })),
  );
  return { proc, ready, done };
}
