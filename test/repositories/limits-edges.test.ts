/**
 * Edges found trying the package as a user (both dialects): denials that would outgrow the counter,
 * retry estimates that would invite a busy loop, lease names after a limit is deleted, leases
 * shorter than the stored precision.
 */
import { describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { DIALECTS } from '../support/dialects.js';
import { eachTestDatabase } from '../support/suite-database.js';

const BIG = 1_000_000_000;

describe.each(DIALECTS)('concurrency limit edges (%s)', (dialect) => {
  const database = eachTestDatabase(dialect);
  const g = () => database().globalConcurrencyLimits;

  it('denied slots stop at the largest count: repeated huge denials answer, never a driver error', async () => {
    const limit = await g().create({ name: 'budget', limit: BIG });
    expect((await g().acquire({ names: ['budget'], slots: BIG })).acquired).toBe(true);
    for (let i = 0; i < 4; i++) {
      expect(await g().acquire({ names: ['budget'], slots: BIG })).toMatchObject({
        acquired: false,
        blockedBy: ['budget'],
      });
    }
    const read = (await g().get(limit.id))!;
    expect(read.deniedSlots).toBeLessThanOrEqual(BIG);
    expect(read.deniedSlots).toBeGreaterThan(BIG - 100); // decays only slowly meanwhile
    // What a read shows can be written back.
    await g().update(limit.id, { deniedSlots: read.deniedSlots });
  });

  it('retryAfterSeconds never invites a busy loop: leased slots decay cannot free, and zero occupancy', async () => {
    await g().create({ name: 'decaying', limit: 1, slotDecayPerSecond: 20, avgSlotOccupancySeconds: 3 });
    expect((await g().acquire({ names: ['decaying'], slots: 1, leaseSeconds: 3600 })).acquired).toBe(true);
    // Decay will never free the leased slot: estimated from the occupancy (3 s per limit's worth), not 1/20 s.
    expect(await g().acquire({ names: ['decaying'], slots: 1 })).toEqual({
      acquired: false,
      retryAfterSeconds: 3,
      blockedBy: ['decaying'],
    });
    await g().create({ name: 'instant', limit: 1, avgSlotOccupancySeconds: 0 });
    expect((await g().acquire({ names: ['instant'], slots: 1 })).acquired).toBe(true);
    const denied = await g().acquire({ names: ['instant'], slots: 1 });
    expect(denied.acquired).toBe(false);
    if (!denied.acquired) expect(denied.retryAfterSeconds).toBeCloseTo(0.1, 6);
  });

  it("a lease's names stay aligned with its limit ids: null for a deleted limit", async () => {
    const a = await g().create({ name: 'a', limit: 2 });
    const b = await g().create({ name: 'b', limit: 2 });
    const lease = await g().acquire({ names: ['a', 'b'], slots: 1, leaseSeconds: 60 });
    if (!lease.acquired) throw new Error('not acquired');
    await g().delete(a.id);
    const [listed] = await g().listLeases({ where: { name: 'b' } });
    expect(listed).toMatchObject({ id: lease.leaseId, limitIds: [a.id, b.id], names: [null, 'b'] });
  });

  it('a lease shorter than a millisecond (the stored precision) is a ValidationError', async () => {
    await g().create({ name: 'l', limit: 1 });
    await expect(g().acquire({ names: ['l'], slots: 1, leaseSeconds: 1e-12 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const lease = await g().acquire({ names: ['l'], slots: 1, leaseSeconds: 0.001 });
    if (!lease.acquired) throw new Error('not acquired');
    await expect(g().renewLease(lease.leaseId!, 0.0001)).rejects.toBeInstanceOf(ValidationError);
    expect((await g().getByName('l'))!.slotDecayAt).toBeInstanceOf(Date);
  });

  it('a release and an acquire started together in a transaction apply in call order', async () => {
    // transaction-model.test.ts found it: a release with nothing to free fell back to its
    // transaction after the acquire's one statement had run, and freed the acquired slot.
    const limit = await g().create({ name: 'L1', limit: 2 });
    await database().transaction(async (tx) => {
      await Promise.all([
        tx.globalConcurrencyLimits.release({ names: ['L1'], slots: 1 }),
        tx.globalConcurrencyLimits.acquire({ names: ['L1'], slots: 1 }),
      ]);
    });
    expect((await g().get(limit.id))!.activeSlots).toBe(1);
  });
});

// A denial standing alone commits asynchronously (limits/one-statement.ts): the setting lasts only
// until that statement's commit, and a denial inside the caller's transaction leaves it alone.
describe('concurrency limit denials and synchronous_commit (postgresql)', () => {
  const current = eachTestDatabase('postgresql');
  const setting = async (q: Pick<Database, 'execute'>) =>
    ((await q.execute("select current_setting('synchronous_commit') as s")) as { s: string }[])[0]!.s;

  it('denials on their own leave every pooled connection as it was; one inside a transaction leaves it too', async () => {
    const db = current();
    const before = await setting(db);
    await db.globalConcurrencyLimits.create({ name: 'one', limit: 1 });
    expect((await db.globalConcurrencyLimits.acquire({ names: ['one'], slots: 1 })).acquired).toBe(true);
    // Concurrent, so that the denials and then the reads spread over the pool's connections.
    const denials = await Promise.all(
      Array.from({ length: 20 }, () => db.globalConcurrencyLimits.acquire({ names: ['one'], slots: 1 })),
    );
    expect(denials.every((d) => !d.acquired)).toBe(true);
    expect(await Promise.all(Array.from({ length: 20 }, () => setting(db)))).toEqual(Array(20).fill(before));
    await db.transaction(async (tx) => {
      expect((await tx.globalConcurrencyLimits.acquire({ names: ['one'], slots: 1 })).acquired).toBe(false);
      expect(await setting(tx)).toBe(before);
    });
    const [limit] = await db.globalConcurrencyLimits.list();
    expect(limit!.deniedSlots).toBe(21);
  });
});
