/**
 * The hammer of the limit race tests: `attempts` acquire attempts on one limit; while a slot is held
 * the holder is counted in a shared occupancy counter (entered after the acquire committed, left
 * before the release starts, so the counted interval lies inside the real hold), and the counter's
 * peak is what the test checks against the limit. Odd attempts hold through a lease, even ones
 * without, so both release paths are raced.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type Database, NotFoundError, createDatabase } from '../../src/index.js';

/** Where holders count themselves: a JS object in one process, a SQLite file across processes. */
export interface OccupancyCounter {
  enter(name: string): void | Promise<void>;
  leave(name: string): void | Promise<void>;
}

/** How long a holder keeps its slot beyond one round trip (ms). */
const HOLD_MS = 3;

export interface HammerResult {
  acquired: number;
  denied: number;
}

export async function hammer(
  db: Database,
  name: string,
  attempts: number,
  counter: OccupancyCounter,
): Promise<HammerResult> {
  let acquired = 0;
  let denied = 0;
  for (let i = 0; i < attempts; i++) {
    const withLease = i % 2 === 1;
    const result = await db.globalConcurrencyLimits.acquire({
      names: [name],
      slots: 1,
      ...(withLease ? { leaseSeconds: 300, holder: { type: 'hammer', id: String(process.pid) } } : {}),
    });
    if (!result.acquired) {
      denied++;
      continue;
    }
    acquired++;
    await counter.enter(name);
    // Hold the slot across a round trip and a short pause, so holders overlap whenever the guard
    // lets them: with the round trip alone, acquires (several statements queued on one row lock)
    // outlast holds so far that a loaded CI machine once saw no overlap in 5,000 attempts.
    await db.execute('select 1');
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    await counter.leave(name);
    if (result.leaseId) await db.globalConcurrencyLimits.releaseLease(result.leaseId);
    else await db.globalConcurrencyLimits.release({ names: [name], slots: 1 });
  }
  return { acquired, denied };
}

/** A counter in one process: the peak per name. */
export function memoryCounter(): OccupancyCounter & { peak: Map<string, number> } {
  const now = new Map<string, number>();
  const peak = new Map<string, number>();
  return {
    peak,
    enter(name) {
      const n = (now.get(name) ?? 0) + 1;
      now.set(name, n);
      peak.set(name, Math.max(peak.get(name) ?? 0, n));
    },
    leave(name) {
      now.set(name, (now.get(name) ?? 0) - 1);
    },
  };
}

/**
 * The frame of a SQLite race: in a fresh folder, a database file (opened as `db`, which `body` sets
 * up and checks; children open `url`) and an occupancy file for `names` at `counterPath`; all of it
 * closed and removed afterwards, whatever happened.
 */
export async function withSqliteRace(
  names: readonly string[],
  body: (db: Database, url: string, counterPath: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'orion-limit-race-'));
  try {
    const url = join(dir, 'limits.db');
    const counterPath = join(dir, 'occupancy.db');
    createOccupancyFile(counterPath, names);
    const db = await createDatabase({ url });
    try {
      await body(db, url, counterPath);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates the SQLite races' occupancy file at `path`: a row per name, no holder, peak 0. */
export function createOccupancyFile(path: string, names: readonly string[]): void {
  const counter = new BetterSqlite3(path);
  counter.exec('create table occupancy (name text primary key, n integer not null, peak integer not null)');
  for (const name of names) counter.prepare('insert into occupancy values (?, 0, 0)').run(name);
  counter.close();
}

/** Each name's [peak, holders now] in the occupancy file at `path`. */
export function readOccupancy(path: string): Record<string, [number, number]> {
  const check = new BetterSqlite3(path, { readonly: true });
  try {
    const rows = check.prepare('select name, peak, n from occupancy').all() as {
      name: string;
      peak: number;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, [r.peak, r.n]]));
  } finally {
    check.close();
  }
}

/** The counter of the SQLite races: a row per name in a second file, one atomic UPDATE per enter/leave. */
export function fileCounter(path: string): OccupancyCounter & { close(): void } {
  const counter = new BetterSqlite3(path);
  counter.pragma('busy_timeout = 30000');
  const enter = counter.prepare('update occupancy set n = n + 1, peak = max(peak, n + 1) where name = ?');
  const leave = counter.prepare('update occupancy set n = n - 1 where name = ?');
  return {
    enter: (n) => void enter.run(n),
    leave: (n) => void leave.run(n),
    close: () => counter.close(),
  };
}

export interface LeaseHammerResult extends HammerResult {
  /** Leases released by exactly one of the releaseLease calls made on each at once. */
  releasedOnce: number;
  /** Anything else a releaseLease answered: two successes for one lease, or an error not NotFoundError. */
  unexpected: string[];
}

/**
 * `attempts` acquires with a lease on one limit; each lease granted is held (counted in `counter`,
 * as `hammer` does) and then released by `releasers.length` releaseLease calls started at once
 * (other handles, or the same handle several times): exactly one may succeed, the others must be
 * NotFoundErrors (docs/limits.md: a lease released before is a NotFoundError).
 */
export async function leaseHammer(
  db: Database,
  name: string,
  attempts: number,
  counter: OccupancyCounter,
  releasers: Database[],
): Promise<LeaseHammerResult> {
  const out: LeaseHammerResult = { acquired: 0, denied: 0, releasedOnce: 0, unexpected: [] };
  for (let i = 0; i < attempts; i++) {
    const result = await db.globalConcurrencyLimits.acquire({
      names: [name],
      slots: 1,
      leaseSeconds: 300,
      ...(i % 2 === 0 ? { holder: { type: 'lease-hammer', id: String(i) } } : {}),
    });
    if (!result.acquired) {
      out.denied++;
      continue;
    }
    out.acquired++;
    await counter.enter(name);
    await db.execute('select 1');
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    await counter.leave(name);
    const outcomes = await Promise.allSettled(
      releasers.map((r) =>
        r.globalConcurrencyLimits.releaseLease(result.leaseId!, { occupancySeconds: 0.01 }),
      ),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
    const failures = outcomes.flatMap((o) =>
      o.status === 'rejected' && !(o.reason instanceof NotFoundError) ? [String(o.reason)] : [],
    );
    if (ok === 1 && failures.length === 0) out.releasedOnce++;
    else out.unexpected.push(`lease ${result.leaseId}: ${ok} releases succeeded; ${failures.join('; ')}`);
  }
  return out;
}
