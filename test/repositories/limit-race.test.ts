import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { postgresIsServer } from '../support/dialects.js';
import {
  type HammerResult,
  hammer,
  memoryCounter,
  readOccupancy,
  withSqliteRace,
} from '../support/limit-worker.js';
import { raceChildren, withPostgresHandles } from '../support/race.js';

const serverAvailable = await postgresIsServer();
const TOTAL_ATTEMPTS = 10_000;
const LIMITS = { one: 1, five: 5 } as const;

async function createLimits(db: Database) {
  for (const [name, limit] of Object.entries(LIMITS))
    await db.globalConcurrencyLimits.create({ name, limit });
}

/** Every attempt answered, some on each limit granted, and at the end no slot held and no lease left. */
async function verifyEnd(db: Database, results: HammerResult[]) {
  expect(results.reduce((n, r) => n + r.acquired + r.denied, 0)).toBe(TOTAL_ATTEMPTS);
  for (const name of Object.keys(LIMITS)) {
    expect((await db.globalConcurrencyLimits.getByName(name))!.activeSlots).toBe(0);
  }
  expect(await db.globalConcurrencyLimits.listLeases()).toEqual([]);
}

describe.runIf(serverAvailable)('limit race on PostgreSQL', () => {
  it('32 acquirers on their own connections: holders never exceed limits of 1 and 5 over 10,000 attempts', async () => {
    await withPostgresHandles(32, async (db, handles) => {
      await createLimits(db);
      const counter = memoryCounter();
      const per = TOTAL_ATTEMPTS / 32;
      const results = await Promise.all(
        handles.map((h, i) =>
          hammer(
            h,
            i % 2 === 0 ? 'one' : 'five',
            Math.floor(per) + (i < TOTAL_ATTEMPTS % 32 ? 1 : 0),
            counter,
          ),
        ),
      );
      expect(counter.peak.get('one')).toBe(1);
      // Holders did overlap (the check can fail), and never beyond the limit.
      expect(counter.peak.get('five')).toBeGreaterThanOrEqual(2);
      expect(counter.peak.get('five')).toBeLessThanOrEqual(5);
      await verifyEnd(db, results);
    });
  }, 600_000);

  it('multi-name acquirers over overlapping names in opposite orders never deadlock (16 concurrent pairs)', async () => {
    await withPostgresHandles(32, async (db, handles) => {
      for (const name of ['a', 'b', 'c']) await db.globalConcurrencyLimits.create({ name, limit: 4 });
      const orders = [
        ['a', 'b', 'c'],
        ['c', 'b', 'a'],
      ];
      const granted = await Promise.all(
        handles.map(async (h, i) => {
          let n = 0;
          for (let k = 0; k < 40; k++) {
            const r = await h.globalConcurrencyLimits.acquire({
              names: orders[i % 2]!,
              slots: 1,
              leaseSeconds: 60,
            });
            if (!r.acquired) continue;
            n++;
            await h.globalConcurrencyLimits.releaseLease(r.leaseId!);
          }
          return n;
        }),
      );
      expect(granted.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      for (const name of ['a', 'b', 'c']) {
        expect((await db.globalConcurrencyLimits.getByName(name))!.activeSlots).toBe(0);
      }
    });
  }, 600_000);
});

describe.runIf(serverAvailable)('reclaim race on PostgreSQL', () => {
  it('concurrent reclaimers, acquirers and releasers free each expired lease exactly once', async () => {
    await withPostgresHandles(12, async (db, handles) => {
      await db.globalConcurrencyLimits.create({ name: 'pool', limit: 100 });
      await db.globalConcurrencyLimits.create({ name: 'side', limit: 100 });
      const leases: string[] = [];
      for (let i = 0; i < 60; i++) {
        const r = await db.globalConcurrencyLimits.acquire({
          names: ['pool', 'side'],
          slots: 1,
          leaseSeconds: 60,
        });
        leases.push(r.acquired ? r.leaseId! : '');
      }
      await db.execute(`update concurrency_lease set expires_at = now() - interval '1 minute'`);
      // Ten slots held without a lease throughout: a lease freed twice would eat into them (the
      // count never goes below 0, so without them a double release could hide).
      await db.globalConcurrencyLimits.acquire({ names: ['pool', 'side'], slots: 10 });
      // Four reclaimers, four acquirers on one of the lease's limits (they reclaim first), and four
      // callers releasing the expired leases by id: every lease goes once, whoever gets it.
      const outcomes = await Promise.all(
        handles.map(async (h, i) => {
          if (i % 3 === 0)
            return { reclaimed: await h.globalConcurrencyLimits.reclaimExpiredLeases(), released: 0 };
          if (i % 3 === 1) {
            for (let k = 0; k < 5; k++) {
              const r = await h.globalConcurrencyLimits.acquire({ names: ['pool'], slots: 1 });
              if (r.acquired) await h.globalConcurrencyLimits.release({ names: ['pool'], slots: 1 });
            }
            return { reclaimed: 0, released: 0 };
          }
          let released = 0;
          for (const id of leases.filter((_, k) => k % 4 === i % 4)) {
            released += await h.globalConcurrencyLimits.releaseLease(id).then(
              () => 1,
              () => 0,
            );
          }
          return { reclaimed: 0, released };
        }),
      );
      const reclaimedOrReleased = outcomes.reduce((n, o) => n + o.reclaimed + o.released, 0);
      expect(reclaimedOrReleased).toBeLessThanOrEqual(60);
      expect(await db.globalConcurrencyLimits.listLeases()).toEqual([]);
      for (const name of ['pool', 'side']) {
        expect((await db.globalConcurrencyLimits.getByName(name))!.activeSlots).toBe(10);
      }
    });
  }, 600_000);
});

describe('limit race on SQLite', () => {
  it('4 processes on one file: holders (counted in a second file) never exceed limits of 1 and 5', async () => {
    await withSqliteRace(Object.keys(LIMITS), async (db, url, counterPath) => {
      await createLimits(db);
      const results = (
        await raceChildren<HammerResult[]>(
          'test/fixtures/limit-child.ts',
          [0, 1, 2, 3].map(() => [url, counterPath, 'one,five,five,five', String(TOTAL_ATTEMPTS / 16)]),
        )
      ).flat();
      const peaks = readOccupancy(counterPath);
      expect(peaks).toEqual({ one: [1, 0], five: [expect.any(Number), 0] });
      expect(peaks.five![0]).toBeGreaterThanOrEqual(2);
      expect(peaks.five![0]).toBeLessThanOrEqual(5);
      await verifyEnd(db, results);
    });
  }, 600_000);
});
