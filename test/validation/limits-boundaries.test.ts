/**
 * Boundary properties (docs/repositories.md "Input limits") for global and tag concurrency limits
 * and leases, on both dialects: valid inputs at their limits (names at their byte caps, counts and
 * rates at their maxima, the longest lease) round-trip, invalid ones are a ValidationError naming
 * the field and write nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { type Boundary, boundaryTests, defect } from './support/harness.js';
import { brokenString, longestName, overlongName, shortName } from './support/text.js';

const SOLE = 2600;
const SHARED = 1300;
const TAG = SOLE - 'tag:'.length;
/** A tag's characters: a name's 1,024 less `tag:`. */
const TAG_CHARS = 1024 - 'tag:'.length;
const MAX_COUNT = 1_000_000_000;
const MAX_LEASE_SECONDS = 315_360_000;
const badName = (cap: number, chars?: number) =>
  fc.oneof(overlongName(cap, chars), brokenString(shortName), fc.constant(''));
const limitName = longestName(SOLE).filter((n) => !n.startsWith('tag:'));
const count = fc.integer({ min: 0, max: MAX_COUNT });
const rate = fc.oneof(
  fc.constant(0),
  fc.constant(MAX_COUNT),
  fc.double({ min: 0, max: MAX_COUNT, noNaN: true }),
);

describe.each(DIALECTS)('input limits: concurrency limits and leases (%s)', (dialect) => {
  let db: Database;
  let taskRunId: string;
  let limitId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const flow = await db.flows.create({ name: 'limits' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    taskRunId = (await db.taskRuns.create({ flowRunId: run.id, taskKey: 'k', dynamicKey: '0' })).id;
    limitId = (await db.globalConcurrencyLimits.create({ name: 'fixed', limit: 1 })).id;
  });
  afterAll(async () => {
    await db.close();
  });
  const getDb = () => db;

  const create = fc
    .record({
      name: limitName,
      limit: count,
      active: fc.boolean(),
      activeSlots: count,
      deniedSlots: count,
      slotDecayPerSecond: rate,
      avgSlotOccupancySeconds: rate,
    })
    .map((r) => ({ ...r, activeSlots: Math.min(r.activeSlots, r.limit) }));
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'globalConcurrencyLimits.create / update',
      valid: fc.tuple(create, create),
      roundTrip: async ([first, second]) => {
        const created = await db.globalConcurrencyLimits.create(first);
        const got = (await db.globalConcurrencyLimits.getByName(first.name))!;
        expect(got).toMatchObject({
          id: created.id,
          name: first.name,
          limit: first.limit,
          active: first.active,
          slotDecayPerSecond: first.slotDecayPerSecond,
          avgSlotOccupancySeconds: first.avgSlotOccupancySeconds,
        });
        // Reads show counters decayed to the moment of the read: never more than written.
        expect(got.activeSlots).toBeLessThanOrEqual(first.activeSlots);
        if (first.slotDecayPerSecond === 0) expect(got.activeSlots).toBe(first.activeSlots);
        await db.globalConcurrencyLimits.update(created.id, second);
        expect(await db.globalConcurrencyLimits.get(created.id)).toMatchObject({
          name: second.name,
          limit: second.limit,
          slotDecayPerSecond: second.slotDecayPerSecond,
        });
        await db.globalConcurrencyLimits.delete(created.id);
      },
      invalid: fc.oneof(
        defect(create, ['name'], badName(SOLE)),
        defect(create, ['limit'], fc.constantFrom(-1, 1.5, MAX_COUNT + 1, Number.NaN)),
        defect(create, ['slotDecayPerSecond'], fc.constantFrom(-0.5, Number.POSITIVE_INFINITY, Number.NaN)),
        defect(create, ['avgSlotOccupancySeconds'], fc.constantFrom(-1, MAX_COUNT * 2)),
        // More active slots than the limit (an operator's correction may not over-admit).
        create.map((r) => {
          const limit = Math.min(r.limit, MAX_COUNT - 1);
          return { input: { ...r, limit, activeSlots: limit + 1 }, path: 'activeSlots' };
        }),
      ),
      call: (input) => db.globalConcurrencyLimits.update(limitId, input),
    }),
  );

  const acquire = fc.record({
    names: fc.array(limitName, { minLength: 1, maxLength: 3 }),
    slots: fc.integer({ min: 1, max: MAX_COUNT }),
    leaseSeconds: fc.oneof(
      fc.constant(MAX_LEASE_SECONDS),
      fc.double({ min: 0.001, max: MAX_LEASE_SECONDS, noNaN: true }),
    ),
    holder: fc.record({ type: longestName(SHARED), id: longestName(SHARED) }),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'globalConcurrencyLimits.acquire / listLeases / releaseLease',
      valid: acquire,
      roundTrip: async (input) => {
        // The first name exists with room for the slots, so the lease holds a real slot.
        await db.globalConcurrencyLimits.create({ name: input.names[0], limit: MAX_COUNT });
        const before = Date.now();
        const result = await db.globalConcurrencyLimits.acquire(input);
        expect(result).toMatchObject({ acquired: true, leaseId: expect.any(String) });
        const [lease] = await db.globalConcurrencyLimits.listLeases({ where: { holder: input.holder } });
        expect(lease).toMatchObject({ slots: input.slots, holder: input.holder, names: [input.names[0]] });
        expect(lease!.expiresAt!.getTime()).toBeGreaterThanOrEqual(
          before + Math.floor(input.leaseSeconds * 1000) - 1,
        );
        expect((await db.globalConcurrencyLimits.getByName(input.names[0]))!.activeSlots).toBe(input.slots);
        await db.globalConcurrencyLimits.releaseLease(lease!.id, { occupancySeconds: input.leaseSeconds });
        const limit = (await db.globalConcurrencyLimits.getByName(input.names[0]))!;
        expect(limit.activeSlots).toBe(0);
        await db.globalConcurrencyLimits.delete(limit.id);
      },
      invalid: fc.oneof(
        defect(acquire, ['names', 0], badName(SOLE)),
        defect(acquire, ['holder', 'type'], badName(SHARED)),
        defect(acquire, ['holder', 'id'], badName(SHARED)),
        defect(acquire, ['slots'], fc.constantFrom(0, -1, 0.5, MAX_COUNT + 1)),
        defect(acquire, ['leaseSeconds'], fc.constantFrom(0, -1, MAX_LEASE_SECONDS + 1, Number.NaN)),
      ),
      call: (input) => db.globalConcurrencyLimits.acquire(input),
    }),
  );

  const tagged = fc.record({
    tags: fc.uniqueArray(longestName(TAG, TAG_CHARS), { minLength: 1, maxLength: 3 }),
    limit: fc.integer({ min: 1, max: MAX_COUNT }),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'concurrencyLimits.create / acquire / release',
      valid: tagged,
      roundTrip: async ({ tags, limit }) => {
        for (const tag of tags) expect((await db.concurrencyLimits.create({ tag, limit })).tag).toBe(tag);
        expect(await db.concurrencyLimits.acquire({ taskRunId, tags })).toEqual({ acquired: true });
        for (const tag of tags) {
          expect(await db.concurrencyLimits.getByTag(tag)).toMatchObject({
            limit,
            activeSlots: 1,
            taskRunIds: [taskRunId],
          });
        }
        await db.concurrencyLimits.release({ taskRunId, tags });
        for (const tag of tags) {
          const got = (await db.concurrencyLimits.getByTag(tag))!;
          expect(got.activeSlots).toBe(0);
          await db.concurrencyLimits.delete(got.id);
        }
      },
      invalid: fc.oneof(
        defect(tagged, ['tag'], badName(TAG, TAG_CHARS)),
        defect(tagged, ['limit'], fc.constantFrom(-1, 2.5, MAX_COUNT + 1)),
      ),
      call: ({ tags, ...rest }) =>
        db.concurrencyLimits.create({ tag: (rest as { tag?: string }).tag ?? tags[0], limit: rest.limit }),
    }),
  );
});
