/**
 * Acquire-with-lease and releaseLease raced (issue 13: both take hand-built statements,
 * limits/one-statement.ts and lease-release.ts). Handles (PostgreSQL) or processes (SQLite)
 * acquire with leases on one limit, hold, and release each lease with two releaseLease calls at
 * once; on PostgreSQL a caller acquiring and releasing without a lease runs beside them. Holders never exceed the limit, each lease
 * is released by exactly one of its two calls (the other: NotFoundError, docs/limits.md), and a
 * slot held without a lease all along is still held at the end: a lease given back twice would
 * have eaten it (the count never goes below 0, so without it a double release could hide).
 */
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { postgresIsServer } from '../support/dialects.js';
import {
  type LeaseHammerResult,
  leaseHammer,
  memoryCounter,
  readOccupancy,
  withSqliteRace,
} from '../support/limit-worker.js';
import { raceChildren, withPostgresHandles } from '../support/race.js';

const serverAvailable = await postgresIsServer();
const LIMIT = 3;

/** The limit `L` of 3 with one slot held without a lease: lease holders may be 2 at most. */
async function createLimit(db: Database): Promise<void> {
  await db.globalConcurrencyLimits.create({ name: 'L', limit: LIMIT });
  expect((await db.globalConcurrencyLimits.acquire({ names: ['L'], slots: 1 })).acquired).toBe(true);
}

/** Every lease released once, none left, and the slot held without a lease still held. */
async function verifyEnd(db: Database, results: LeaseHammerResult[]): Promise<void> {
  expect(results.flatMap((r) => r.unexpected)).toEqual([]);
  const acquired = results.reduce((n, r) => n + r.acquired, 0);
  expect(acquired).toBeGreaterThan(0);
  expect(results.reduce((n, r) => n + r.releasedOnce, 0)).toBe(acquired);
  expect(await db.globalConcurrencyLimits.listLeases()).toEqual([]);
  expect((await db.globalConcurrencyLimits.getByName('L'))!.activeSlots).toBe(1);
}

describe.runIf(serverAvailable)('lease race on PostgreSQL', () => {
  it('4 handles acquire with leases and release each twice at once, a lease-less caller beside them', async () => {
    await withPostgresHandles(5, async (db, handles) => {
      await createLimit(db);
      const counter = memoryCounter();
      const hammers = handles.slice(0, 4);
      // Beside them, a caller taking and giving back a slot without a lease (`release` must never
      // free a slot a lease holds, and must not be freed by a releaseLease).
      let running = true;
      const unleased = (async () => {
        const h = handles[4]!.globalConcurrencyLimits;
        let taken = 0;
        while (running) {
          if (!(await h.acquire({ names: ['L'], slots: 1 })).acquired) continue;
          taken++;
          await h.release({ names: ['L'], slots: 1 });
        }
        return taken;
      })();
      const results = await Promise.all(
        hammers.map((h, i) => leaseHammer(h, 'L', 150, counter, [h, hammers[(i + 1) % 4]!])),
      ).finally(() => {
        running = false;
      });
      expect(await unleased).toBeGreaterThan(0);
      expect(counter.peak.get('L')).toBeGreaterThanOrEqual(2);
      expect(counter.peak.get('L')).toBeLessThanOrEqual(LIMIT - 1);
      await verifyEnd(db, results);
    });
  }, 600_000);
});

describe('lease race on SQLite', () => {
  it('2 processes on one file acquire with leases and release each twice at once', async () => {
    await withSqliteRace(['L'], async (db, url, counterPath) => {
      await createLimit(db);
      const results = (
        await raceChildren<LeaseHammerResult[]>('test/fixtures/lease-child.ts', [
          [url, counterPath, 'L', '300'],
          [url, counterPath, 'L', '300'],
        ])
      ).flat();
      const [peak, holders] = readOccupancy(counterPath).L!;
      expect(holders).toBe(0);
      expect(peak).toBeGreaterThanOrEqual(2);
      expect(peak).toBeLessThanOrEqual(LIMIT - 1);
      await verifyEnd(db, results);
    });
  }, 600_000);
});
