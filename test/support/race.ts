/**
 * What the race tests share: on PostgreSQL, many handles with one connection each (as many server
 * processes would have) on one test database; on SQLite, child processes on one file, started at
 * the same instant; and, for the children, the way they open the file and report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type Database, type DialectName, createDatabase } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { runTs } from './spawn.js';

/**
 * How long a race handle's statement may wait: many connections queue on the same rows, and on a
 * loaded CI machine a wait can pass the default 10 s. The tests are about who gets in, not how fast.
 */
export const RACE_TIMEOUT_SECONDS = 120;

/**
 * Runs `body` with a fresh PostgreSQL test database and `count` more handles on it, one connection
 * each (statement timeout `timeoutSeconds`, RACE_TIMEOUT_SECONDS unless given); closes them all
 * afterwards, whatever happens.
 */
export async function withPostgresHandles(
  count: number,
  body: (db: Database, handles: Database[]) => Promise<void>,
  timeoutSeconds = RACE_TIMEOUT_SECONDS,
): Promise<void> {
  const db = await createTestDatabase({ dialect: 'postgresql' });
  const handles: Database[] = [];
  try {
    for (let i = 0; i < count; i++) {
      handles.push(
        await createDatabase({
          url: db.settings.url,
          poolSize: 1,
          migrateOnOpen: false,
          timeoutSeconds,
        }),
      );
    }
    await body(db, handles);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
    await db.close();
  }
}

/** `count` handles on one database besides `db`: PostgreSQL connections, or SQLite handles on a file. */
export async function withHandles(
  dialect: DialectName,
  count: number,
  body: (db: Database, handles: Database[]) => Promise<void>,
): Promise<void> {
  if (dialect === 'postgresql') return withPostgresHandles(count, body);
  const dir = mkdtempSync(join(tmpdir(), 'orion-claims-'));
  const url = join(dir, 'claims.db');
  const db = await createDatabase({ url, isolated: true });
  const handles: Database[] = [];
  try {
    for (let i = 0; i < count; i++) handles.push(await createDatabase({ url, isolated: true }));
    await body(db, handles);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the child `fixture` once per entry of `argsList`, each with its arguments and a start instant
 * 1.5 s ahead (appended last) so that they begin together; each must exit 0 and print one JSON
 * value, which is returned in order.
 */
export async function raceChildren<T>(fixture: string, argsList: string[][]): Promise<T[]> {
  const startAt = String(Date.now() + 1500);
  const children = await Promise.all(argsList.map((args) => runTs(fixture, [...args, startAt])));
  return children.map((c) => {
    expect(c.code, c.stderr + c.stdout).toBe(0);
    return JSON.parse(c.stdout) as T;
  });
}

/**
 * The body of a race child: waits for the start instant (the last argument), opens the SQLite file
 * (the first), runs `work` with the arguments between and prints its result as JSON; a failure
 * prints its message and exits 1.
 */
export async function raceChild(work: (db: Database, args: string[]) => Promise<unknown>): Promise<void> {
  const argv = process.argv.slice(2);
  const [url, ...args] = argv.slice(0, -1) as [string, ...string[]];
  const startAt = Number(argv.at(-1));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const db = await createDatabase({ url, migrateOnOpen: false, timeoutSeconds: 30 });
  try {
    process.stdout.write(JSON.stringify(await work(db, args)));
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: String((error as Error).message) }));
    process.exitCode = 1;
  } finally {
    await db.close();
  }
}

/** Waits until a backend of this PostgreSQL database waits for a lock (a call queued behind a row lock). */
export async function untilSomeoneWaits(db: { execute(sql: string): Promise<unknown> }): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [row] = (await db.execute(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    )) as { n: number }[];
    if (row!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no call ever waited for a lock');
}
