/**
 * A release's `occupancySeconds` below the average's floor (0.1 s a slot) moves the average exactly
 * as 0 does, on every path (no lease, a lease, one or several slots), and never reaches the server
 * as a value whose division underflows: 5e-324 over 2 slots was PostgreSQL's "value out of range:
 * underflow", a ValidationError for input validation had accepted (found by leases-rules.test.ts).
 * Same body on both dialects.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/dialects.js';
import { suiteDatabase } from '../support/suite-database.js';

const TINY = [5e-324, Number.MIN_VALUE * 3, 1e-310, 1e-300, 0.05, 0.0999999];

describe.each(DIALECTS)('occupancy below the floor (%s)', (dialect) => {
  const db = suiteDatabase(dialect);
  let n = 0;

  /** The average after one release of `slots` with `occupancy`, with or without a lease. */
  async function averageAfter(occupancy: number, slots: number, lease: boolean): Promise<number> {
    const g = db().globalConcurrencyLimits;
    const name = `occ-${n++}`;
    const limit = await g.create({ name, limit: 10, avgSlotOccupancySeconds: 7 });
    const granted = await g.acquire({ names: [name], slots, ...(lease ? { leaseSeconds: 60 } : {}) });
    if (!granted.acquired) throw new Error('the limit has room');
    if (lease) await g.releaseLease(granted.leaseId!, { occupancySeconds: occupancy });
    else await g.release({ names: [name], slots, occupancySeconds: occupancy });
    const read = (await g.get(limit.id))!;
    expect(read.activeSlots).toBe(0);
    return read.avgSlotOccupancySeconds;
  }

  it('the reported values and tiny doubles release without an error, as 0 would', async () => {
    for (const lease of [false, true])
      for (const slots of [1, 2, 3])
        for (const occupancy of TINY)
          expect(await averageAfter(occupancy, slots, lease)).toBe(await averageAfter(0, slots, lease));
  });

  it('any occupancy below 0.1 s (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0, max: 0.1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        async (occupancy, slots, lease) => {
          expect(await averageAfter(occupancy, slots, lease)).toBe(await averageAfter(0, slots, lease));
        },
      ),
      { numRuns: 40 },
    );
  });
});
