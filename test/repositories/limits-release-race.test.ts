import { describe, expect, it } from 'vitest';
import { postgresIsServer } from '../support/dialects.js';
import { withPostgresHandles } from '../support/race.js';

const serverAvailable = await postgresIsServer();

/** Waits until a backend of this database waits for a lock (the release behind the row lock). */
async function untilSomeoneWaits(db: { execute(sql: string): Promise<unknown> }): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [row] = (await db.execute(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    )) as { n: number }[];
    if (row!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the release never waited for the row lock');
}

// The race needs two connections running at once: on SQLite the write lock is taken before any
// statement reads, so a release always sees every lease committed before it.
describe.runIf(serverAvailable)('a release racing a lease (PostgreSQL)', () => {
  it('a release that waited for the row while a lease was taken never frees the leased slot', async () => {
    await withPostgresHandles(2, async (db, [a, b]) => {
      await db.globalConcurrencyLimits.create({ name: 'L', limit: 2 });
      expect((await a!.globalConcurrencyLimits.acquire({ names: ['L'], slots: 1 })).acquired).toBe(true);
      let release: Promise<void> | undefined;
      await a!.transaction(async (tx) => {
        const leased = await tx.globalConcurrencyLimits.acquire({ names: ['L'], slots: 1, leaseSeconds: 60 });
        expect(leased.acquired).toBe(true);
        // Asks for both slots while the lease's transaction holds the row: once it commits, only
        // the slot taken without a lease may come back. A release deciding on what it saw when it
        // started (no lease yet) would free both.
        release = b!.globalConcurrencyLimits.release({ names: ['L'], slots: 2 });
        await untilSomeoneWaits(db);
      });
      await release;
      const limit = await db.globalConcurrencyLimits.getByName('L');
      expect(limit!.activeSlots).toBe(1);
      expect(await db.globalConcurrencyLimits.listLeases({ where: { name: 'L' } })).toHaveLength(1);
    });
  }, 60_000);
});
