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
import { type Database, NotFoundError } from '../../src/index.js';
import { postgresIsServer } from '../support/dialects.js';
import {
  type LeaseHammerResult,
  leaseHammer,
  memoryCounter,
  readOccupancy,
  withSqliteRace,
} from '../support/limit-worker.js';
import { raceChildren, untilSomeoneWaits, withPostgresHandles } from '../support/race.js';

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

describe.runIf(serverAvailable)('releaseLease racing reclaimers on PostgreSQL', () => {
  it('expired two-limit leases, each released by two handles while four reclaim: each goes once, the other calls NotFoundErrors', async () => {
    await withPostgresHandles(8, async (db, handles) => {
      for (const name of ['p', 'q']) await db.globalConcurrencyLimits.create({ name, limit: 100 });
      const leases: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await db.globalConcurrencyLimits.acquire({ names: ['p', 'q'], slots: 1, leaseSeconds: 60 });
        if (r.acquired) leases.push(r.leaseId!);
      }
      // Held without a lease throughout: a lease given back twice would eat into them. (Taken
      // before the leases expire: an acquire reclaims the expired leases on its limits first.)
      await db.globalConcurrencyLimits.acquire({ names: ['p', 'q'], slots: 10 });
      await db.execute(`update concurrency_lease set expires_at = now() - interval '1 minute'`);
      // A release that lost its lease to a reclaimer or the other release answers NotFoundError
      // (a deadlock would be a DatabaseError; the lock order itself is the next test's).
      const outcomes = await Promise.all(
        handles.map(async (h, i) => {
          if (i >= 4)
            return { reclaimed: await h.globalConcurrencyLimits.reclaimExpiredLeases(), released: 0 };
          let released = 0;
          for (const id of leases.filter((_, k) => k % 2 === i % 2)) {
            const error = await h.globalConcurrencyLimits.releaseLease(id).then(
              () => undefined,
              (e: unknown) => e,
            );
            if (error === undefined) released++;
            else expect(error).toBeInstanceOf(NotFoundError);
          }
          return { reclaimed: 0, released };
        }),
      );
      expect(leases).toHaveLength(40);
      expect(outcomes.reduce((n, o) => n + o.reclaimed + o.released, 0)).toBe(40);
      expect(await db.globalConcurrencyLimits.listLeases()).toEqual([]);
      for (const name of ['p', 'q'])
        expect((await db.globalConcurrencyLimits.getByName(name))!.activeSlots).toBe(10);
    });
  }, 600_000);
});

describe.runIf(serverAvailable)('releaseLease lock order on PostgreSQL', () => {
  it("waits for the lease's limits before it touches the lease, as reclaimers lock them", async () => {
    // A release that locked (deleted) the lease first and its limits after could deadlock with a
    // reclaimer or acquire holding the limits and deleting the expired lease. Here the limit's row
    // is held: the release waiting behind it must not hold the lease's row.
    await withPostgresHandles(2, async (db, [a, b]) => {
      await db.globalConcurrencyLimits.create({ name: 'o', limit: 2 });
      const r = await db.globalConcurrencyLimits.acquire({ names: ['o'], slots: 1, leaseSeconds: 60 });
      let released: Promise<unknown> | undefined;
      await a!.transaction(async (tx) => {
        await tx.execute(`select 1 from concurrency_limit_v2 where name = 'o' for update`);
        released = b!.globalConcurrencyLimits.releaseLease(r.acquired ? r.leaseId! : '').then(
          () => 'released',
          (e: unknown) => e,
        );
        await untilSomeoneWaits(db);
        const [lease] = await db.transaction((t) =>
          t.execute(`select id from concurrency_lease for update nowait`),
        );
        expect(lease).toBeDefined();
      });
      expect(await released).toBe('released');
      expect((await db.globalConcurrencyLimits.getByName('o'))!.activeSlots).toBe(0);
      expect(await db.globalConcurrencyLimits.listLeases()).toEqual([]);
    });
  }, 60_000);
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
