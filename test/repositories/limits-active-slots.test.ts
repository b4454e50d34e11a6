/**
 * An operator's `activeSlots` correction against expired leases (docs/limits.md), on both dialects:
 * `update` reclaims the limit's expired leases first, as `acquire` does, so only the slots live
 * leases hold bound the new count, and the expired leases' later release cannot take it lower.
 * Found in a fresh-user trial: an expired lease's slot refused `update(id, { activeSlots: 0 })`.
 * The property: over random live and expired leases and a random target, the update is accepted
 * exactly when the target is at least the live leases' slots, and afterwards (a reclaim included)
 * the count never drops below the slots live leases hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/index.js';
import { DIALECTS } from '../support/dialects.js';
import { eachTestDatabase, suiteDatabase } from '../support/suite-database.js';

const RUNS = Number(process.env.ORION_LIMIT_RUNS ?? 20);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A lease this short has expired by the time `sleep(EXPIRY_WAIT)` returns. */
const SHORT = 0.01;
const EXPIRY_WAIT = 50;

describe.each(DIALECTS)('activeSlots corrections and expired leases (%s)', (dialect) => {
  const database = eachTestDatabase(dialect);
  const g = () => database().globalConcurrencyLimits;

  it('an expired lease does not hold activeSlots up: update reclaims it first', async () => {
    const limit = await g().create({ name: 'l', limit: 2 });
    expect((await g().acquire({ names: ['l'], slots: 1, leaseSeconds: SHORT })).acquired).toBe(true);
    await sleep(EXPIRY_WAIT);
    expect(await g().update(limit.id, { activeSlots: 0 })).toMatchObject({ activeSlots: 0 });
    expect(await g().listLeases()).toEqual([]);
    expect(await g().reclaimExpiredLeases()).toBe(0);
    expect((await g().get(limit.id))!.activeSlots).toBe(0);
  });

  it('below the live leases is a ConflictError counting only those and naming releaseLease', async () => {
    const limit = await g().create({ name: 'l', limit: 3 });
    await g().acquire({ names: ['l'], slots: 1, leaseSeconds: SHORT });
    await sleep(EXPIRY_WAIT);
    await g().acquire({ names: ['l'], slots: 1, leaseSeconds: 60 });
    const error = await g()
      .update(limit.id, { activeSlots: 0 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(
      /1 slot held by leases still live \(release them: listLeases, releaseLease\)/,
    );
    expect(error.message).not.toMatch(/reclaimExpiredLeases/);
    expect(await g().update(limit.id, { activeSlots: 1 })).toMatchObject({ activeSlots: 1 });
    expect(await g().reclaimExpiredLeases()).toBe(0);
    expect((await g().get(limit.id))!.activeSlots).toBe(1);
  });

  it("reclaiming an expired lease spanning two limits gives back the other limit's slots too", async () => {
    const a = await g().create({ name: 'a', limit: 2 });
    const b = await g().create({ name: 'b', limit: 2 });
    await g().acquire({ names: ['a', 'b'], slots: 2, leaseSeconds: SHORT });
    await sleep(EXPIRY_WAIT);
    await g().update(a.id, { activeSlots: 0 });
    expect((await g().get(b.id))!.activeSlots).toBe(0);
  });
});

describe.each(DIALECTS)('activeSlots correction property (%s)', (dialect) => {
  const database = suiteDatabase(dialect);

  it('accepted exactly at or above the live leased slots; the count never falls below them after', async () => {
    let n = 0;
    const lease = fc.record({ slots: fc.integer({ min: 1, max: 3 }), expired: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(lease, { maxLength: 4 }), fc.nat({ max: 12 }), async (leases, target) => {
        const g = database().globalConcurrencyLimits;
        const limit = await g.create({ name: `p${++n}`, limit: 12 });
        const acquire = (slots: number, leaseSeconds: number) =>
          g.acquire({ names: [limit.name], slots, leaseSeconds });
        for (const l of leases.filter((l) => l.expired)) await acquire(l.slots, SHORT);
        if (leases.some((l) => l.expired)) await sleep(EXPIRY_WAIT);
        for (const l of leases.filter((l) => !l.expired)) await acquire(l.slots, 60);
        const live = leases.filter((l) => !l.expired).reduce((sum, l) => sum + l.slots, 0);
        const outcome = await g.update(limit.id, { activeSlots: target }).catch((e) => e);
        if (target >= live) expect(outcome).toMatchObject({ activeSlots: target });
        else expect(outcome).toBeInstanceOf(ConflictError);
        await g.reclaimExpiredLeases();
        expect((await g.get(limit.id))!.activeSlots).toBeGreaterThanOrEqual(live);
      }),
      { numRuns: RUNS },
    );
  });
});
