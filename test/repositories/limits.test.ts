import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, type Database, NotFoundError, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('global concurrency limits (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  /** Writes a lease's expiry in the past through raw SQL (the library has no clock knob). */
  const expire = async (leaseId: string) => {
    const past = dialect === 'sqlite' ? String(Date.now() - 60_000) : `now() - interval '1 minute'`;
    await db.execute(`update concurrency_lease set expires_at = ${past} where id = '${leaseId}'`);
  };
  const slots = async (name: string) => (await db.globalConcurrencyLimits.getByName(name))!.activeSlots;

  it('creates, reads, lists, counts, updates and deletes; tag: names are refused', async () => {
    const a = await db.globalConcurrencyLimits.create({ name: 'b-limit', limit: 3 });
    await db.globalConcurrencyLimits.create({ name: 'a-limit', limit: 1, active: false });
    await db.concurrencyLimits.create({ tag: 'hidden', limit: 1 });
    expect(a).toMatchObject({ name: 'b-limit', limit: 3, active: true, activeSlots: 0, deniedSlots: 0 });
    expect((await db.globalConcurrencyLimits.get(a.id))?.name).toBe('b-limit');
    expect((await db.globalConcurrencyLimits.list()).map((l) => l.name)).toEqual(['a-limit', 'b-limit']);
    expect(await db.globalConcurrencyLimits.count({ where: { active: true } })).toBe(1);
    expect((await db.globalConcurrencyLimits.update(a.id, { limit: 7 })).limit).toBe(7);
    await expect(db.globalConcurrencyLimits.create({ name: 'b-limit', limit: 1 })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(db.globalConcurrencyLimits.create({ name: 'tag:x', limit: 1 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await db.globalConcurrencyLimits.delete(a.id);
    await expect(db.globalConcurrencyLimits.delete(a.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('multi-name acquire is all-or-nothing: one full name leaves the others untouched and records the denial', async () => {
    await db.globalConcurrencyLimits.create({ name: 'x', limit: 5 });
    await db.globalConcurrencyLimits.create({ name: 'y', limit: 1, avgSlotOccupancySeconds: 4 });
    expect(await db.globalConcurrencyLimits.acquire({ names: ['y'], slots: 1 })).toEqual({ acquired: true });
    const denied = await db.globalConcurrencyLimits.acquire({ names: ['x', 'y', 'unknown'], slots: 1 });
    // Prefect's estimate: y has the most blocking slots, (1 + 0) / 1 = 1, at its average occupancy of 4 s.
    expect(denied).toEqual({ acquired: false, retryAfterSeconds: 4, blockedBy: ['y'] });
    expect(await slots('x')).toBe(0);
    expect(await slots('y')).toBe(1);
    expect((await db.globalConcurrencyLimits.getByName('x'))!.deniedSlots).toBe(1);
    await db.globalConcurrencyLimits.release({ names: ['y'], slots: 1, occupancySeconds: 2 });
    expect(await slots('y')).toBe(0);
    // avg += (max(2 / 1, 0.1) − 4) / (1 × 2) = 3
    expect((await db.globalConcurrencyLimits.getByName('y'))!.avgSlotOccupancySeconds).toBe(3);
    expect(await db.globalConcurrencyLimits.acquire({ names: ['x', 'y'], slots: 1 })).toEqual({
      acquired: true,
    });
  });

  it('a limit of 0 answers at once; more slots than a limit and rate_limit without decay are ValidationErrors', async () => {
    await db.globalConcurrencyLimits.create({ name: 'zero', limit: 0 });
    await db.globalConcurrencyLimits.create({ name: 'two', limit: 2 });
    expect(await db.globalConcurrencyLimits.acquire({ names: ['two', 'zero'], slots: 5 })).toEqual({
      acquired: false,
      retryAfterSeconds: null,
      blockedBy: ['zero'],
    });
    await expect(db.globalConcurrencyLimits.acquire({ names: ['two'], slots: 3 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      db.globalConcurrencyLimits.acquire({ names: ['two'], slots: 1, mode: 'rate_limit' }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      // @ts-expect-error the type refuses a lease on a rate_limit acquire too
      db.globalConcurrencyLimits.acquire({ names: ['two'], slots: 1, mode: 'rate_limit', leaseSeconds: 5 }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await slots('two')).toBe(0);
  });

  it('an expired lease is reclaimed (by acquire and by reclaimExpiredLeases); a renewed one is not', async () => {
    await db.globalConcurrencyLimits.create({ name: 'one', limit: 1 });
    await db.globalConcurrencyLimits.create({ name: 'other', limit: 1 });
    const first = await db.globalConcurrencyLimits.acquire({
      names: ['one', 'other'],
      slots: 1,
      leaseSeconds: 30,
      holder: { type: 'worker', id: 'w1' },
    });
    expect(first).toMatchObject({ acquired: true, leaseId: expect.any(String) });
    const leaseId = (first as { leaseId: string }).leaseId;
    expect(await db.globalConcurrencyLimits.listLeases({ where: { name: 'one' } })).toMatchObject([
      { id: leaseId, names: ['one', 'other'], slots: 1, holder: { type: 'worker', id: 'w1' } },
    ]);
    await db.globalConcurrencyLimits.renewLease(leaseId, 60);
    expect((await db.globalConcurrencyLimits.acquire({ names: ['one'], slots: 1 })).acquired).toBe(false);
    expect(await db.globalConcurrencyLimits.reclaimExpiredLeases()).toBe(0);
    await expire(leaseId);
    await expect(db.globalConcurrencyLimits.renewLease(leaseId, 60)).rejects.toBeInstanceOf(ConflictError);
    // acquire reclaims first: the lease spanned "other" too, whose slot comes back as well.
    expect(await db.globalConcurrencyLimits.acquire({ names: ['one'], slots: 1 })).toEqual({
      acquired: true,
    });
    expect(await slots('other')).toBe(0);
    await expect(db.globalConcurrencyLimits.releaseLease(leaseId)).rejects.toBeInstanceOf(NotFoundError);
    const second = (await db.globalConcurrencyLimits.acquire({
      names: ['other'],
      slots: 1,
      leaseSeconds: 5,
    })) as {
      leaseId: string;
    };
    await expire(second.leaseId);
    expect(await db.globalConcurrencyLimits.listLeases({ where: { expired: true } })).toHaveLength(1);
    expect(await db.globalConcurrencyLimits.reclaimExpiredLeases()).toBe(1);
    expect(await slots('other')).toBe(0);
    await expect(db.globalConcurrencyLimits.renewLease(second.leaseId, 5)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('a release without a lease never frees a slot a live lease holds', async () => {
    const G = db.globalConcurrencyLimits;
    await G.create({ name: 'one', limit: 1 });
    await G.create({ name: 'three', limit: 3 });
    const leased = await G.acquire({
      names: ['one'],
      slots: 1,
      leaseSeconds: 60,
      holder: { type: 'worker', id: 'w1' },
    });
    expect(leased.acquired).toBe(true);
    // A retried or buggy client releases without its lease: the leased slot stays taken.
    await G.release({ names: ['one'], slots: 1 });
    expect(await slots('one')).toBe(1);
    expect((await G.acquire({ names: ['one'], slots: 1 })).acquired).toBe(false);
    // Lease-less slots still go back, but only those: 1 leased + 2 plain, a release of 10 frees 2.
    await G.acquire({ names: ['three'], slots: 1, leaseSeconds: 600 });
    await G.acquire({ names: ['three'], slots: 2 });
    await G.release({ names: ['three'], slots: 10 });
    expect(await slots('three')).toBe(1);
    await G.releaseLease(leased.acquired ? leased.leaseId! : '');
    expect(await slots('one')).toBe(0);
  });

  it('releaseLease gives the slots back once', async () => {
    await db.globalConcurrencyLimits.create({ name: 'one', limit: 1 });
    const { leaseId } = (await db.globalConcurrencyLimits.acquire({
      names: ['one'],
      slots: 1,
      leaseSeconds: 30,
    })) as {
      leaseId: string;
    };
    await db.globalConcurrencyLimits.releaseLease(leaseId, { occupancySeconds: 1 });
    expect(await slots('one')).toBe(0);
    await expect(db.globalConcurrencyLimits.releaseLease(leaseId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a rate limit frees slots over time, and frequent denials do not stop the decay', async () => {
    // One slot a second: the denial below must come before a slot decays, even on a loaded machine
    // (at 20 a second a 50 ms pause between the two calls, seen in CI, let the second one in).
    await db.globalConcurrencyLimits.create({ name: 'rate', limit: 2, slotDecayPerSecond: 1 });
    expect(
      (await db.globalConcurrencyLimits.acquire({ names: ['rate'], slots: 2, mode: 'rate_limit' })).acquired,
    ).toBe(true);
    // Take slots until one is refused: a slot decays every 50 ms, so on a loaded machine one may come
    // back between two calls, and a refusal right after the first acquire cannot be counted on.
    const takeOne = () =>
      db.globalConcurrencyLimits.acquire({ names: ['rate'], slots: 1, mode: 'rate_limit' });
    let denied = await takeOne();
    for (let i = 0; denied.acquired && i < 1000; i++) denied = await takeOne();
    expect(denied).toMatchObject({ acquired: false, blockedBy: ['rate'] });
    // Retries faster than one quantum (1 s) each write the row; the clock keeps the fractions, so a
    // slot comes back. (With a clock reset by every write, retries every 10 ms would never get one;
    // no bound on the elapsed time is asserted, which a loaded machine could break.)
    let acquired = false;
    const started = Date.now();
    while (!acquired && Date.now() - started < 30_000) {
      await sleep(10);
      acquired = (await takeOne()).acquired;
    }
    expect(acquired).toBe(true);
  });

  it('decay never frees the slots a lease holds: a concurrency lease on a decaying limit keeps them', async () => {
    await db.globalConcurrencyLimits.create({ name: 'decaying', limit: 2, slotDecayPerSecond: 1000 });
    const leased = await db.globalConcurrencyLimits.acquire({
      names: ['decaying'],
      slots: 1,
      leaseSeconds: 60,
    });
    expect(leased.acquired).toBe(true);
    expect((await db.globalConcurrencyLimits.acquire({ names: ['decaying'], slots: 1 })).acquired).toBe(true);
    await sleep(20); // 20 quanta: the lease-less slot decays, the leased one stays
    expect(await slots('decaying')).toBe(1);
    expect((await db.globalConcurrencyLimits.acquire({ names: ['decaying'], slots: 1 })).acquired).toBe(true);
    await sleep(20);
    expect((await db.globalConcurrencyLimits.acquire({ names: ['decaying'], slots: 2 })).acquired).toBe(
      false,
    );
    if (!leased.acquired) throw new Error('the lease was not acquired');
    await db.globalConcurrencyLimits.releaseLease(leased.leaseId!);
    expect(await slots('decaying')).toBe(0);
    expect((await db.globalConcurrencyLimits.acquire({ names: ['decaying'], slots: 2 })).acquired).toBe(true);
    // A rate_limit acquire holds nothing, so a holder (a lease without TTL) is refused like leaseSeconds.
    await expect(
      // @ts-expect-error the type refuses a holder on a rate_limit acquire too
      db.globalConcurrencyLimits.acquire({
        names: ['decaying'],
        slots: 1,
        mode: 'rate_limit',
        holder: { type: 'worker', id: 'w' },
      }),
    ).rejects.toThrow(/holder/);
  });

  it('activeSlots set by create or update may not exceed the limit nor drop below the leased slots', async () => {
    await expect(
      db.globalConcurrencyLimits.create({ name: 'over', limit: 2, activeSlots: 3 }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await db.globalConcurrencyLimits.count()).toBe(0);
    const limit = await db.globalConcurrencyLimits.create({ name: 'l', limit: 3 });
    await db.globalConcurrencyLimits.acquire({ names: ['l'], slots: 2, leaseSeconds: 60 });
    await expect(db.globalConcurrencyLimits.update(limit.id, { activeSlots: 4 })).rejects.toThrow(
      /exceed the limit of 3/,
    );
    await expect(
      db.globalConcurrencyLimits.update(limit.id, { limit: 1, activeSlots: 3 }),
    ).rejects.toBeInstanceOf(ValidationError);
    const below = await db.globalConcurrencyLimits.update(limit.id, { activeSlots: 1 }).catch((e) => e);
    expect(below).toBeInstanceOf(ConflictError);
    expect(below.message).toMatch(/2 slots held by leases/);
    expect(await db.globalConcurrencyLimits.get(limit.id)).toMatchObject({ limit: 3, activeSlots: 2 });
    // Lowering the limit below the slots held is allowed: the holders drain.
    expect(await db.globalConcurrencyLimits.update(limit.id, { limit: 1 })).toMatchObject({ activeSlots: 2 });
    expect(await db.globalConcurrencyLimits.update(limit.id, { limit: 3, activeSlots: 3 })).toMatchObject({
      activeSlots: 3,
    });
  });
});

describe.each(DIALECTS)('tag concurrency limits (%s)', (dialect) => {
  let db: Database;
  let flowRunId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    const flow = await db.flows.create({ name: 'f' });
    flowRunId = (await db.flowRuns.create({ flowId: flow.id })).id;
  });
  afterEach(async () => {
    await db.close();
  });
  const task = async (key: string) =>
    (await db.taskRuns.create({ flowRunId, taskKey: key, dynamicKey: '0' })).id;

  it('upserts by tag, holds one slot per (task run, tag), releases a subset, and refuses a 0 limit at once', async () => {
    const created = await db.concurrencyLimits.create({ tag: 'db', limit: 1 });
    expect((await db.concurrencyLimits.create({ tag: 'db', limit: 2 })).id).toBe(created.id);
    await db.concurrencyLimits.create({ tag: 'api', limit: 1 });
    await db.concurrencyLimits.create({ tag: 'never', limit: 0 });
    const [t1, t2, t3] = [await task('a'), await task('b'), await task('c')];
    expect(await db.concurrencyLimits.acquire({ taskRunId: t1, tags: ['db', 'api', 'free'] })).toEqual({
      acquired: true,
    });
    expect(await db.concurrencyLimits.acquire({ taskRunId: t1, tags: ['db', 'api'] })).toEqual({
      acquired: true,
    });
    expect(await db.concurrencyLimits.getByTag('db')).toMatchObject({ activeSlots: 1, taskRunIds: [t1] });
    const denied = await db.concurrencyLimits.acquire({ taskRunId: t2, tags: ['db', 'api'] });
    expect(denied).toMatchObject({ acquired: false, blockedBy: ['api'] });
    expect((await db.concurrencyLimits.getByTag('db'))!.activeSlots).toBe(1);
    await db.concurrencyLimits.release({ taskRunId: t1, tags: ['api'] });
    expect(await db.concurrencyLimits.acquire({ taskRunId: t2, tags: ['db', 'api'] })).toEqual({
      acquired: true,
    });
    expect(await db.concurrencyLimits.acquire({ taskRunId: t3, tags: ['never'] })).toEqual({
      acquired: false,
      retryAfterSeconds: null,
      blockedBy: ['never'],
    });
    expect((await db.concurrencyLimits.list()).map((l) => l.tag)).toEqual(['api', 'db', 'never']);
    expect(await db.globalConcurrencyLimits.list()).toEqual([]);
  });

  it("the global lease calls refuse a tag limit's lease: tag slots never expire", async () => {
    await db.concurrencyLimits.create({ tag: 'db', limit: 1 });
    const t1 = await task('a');
    await db.concurrencyLimits.acquire({ taskRunId: t1, tags: ['db'] });
    const [lease] = await db.concurrencyLimits.listLeases('db');
    await expect(db.globalConcurrencyLimits.renewLease(lease!.id, 0.1)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(db.globalConcurrencyLimits.releaseLease(lease!.id)).rejects.toBeInstanceOf(ValidationError);
    expect((await db.concurrencyLimits.getByTag('db'))!.activeSlots).toBe(1);
    expect((await db.concurrencyLimits.acquire({ taskRunId: await task('b'), tags: ['db'] })).acquired).toBe(
      false,
    );
  });

  it('releaseFinished frees terminal and deleted task runs, and reset frees everything', async () => {
    await db.concurrencyLimits.create({ tag: 'db', limit: 3 });
    const [done, gone, running] = [await task('a'), await task('b'), await task('c')];
    for (const id of [done, gone, running])
      await db.concurrencyLimits.acquire({ taskRunId: id, tags: ['db'] });
    await db.taskRuns.setState(done, { type: 'COMPLETED' });
    await db.taskRuns.setState(running, { type: 'RUNNING' });
    await db.execute(`delete from task_run where id = '${gone}'`);
    expect(await db.concurrencyLimits.releaseFinished()).toBe(2);
    expect(await db.concurrencyLimits.getByTag('db')).toMatchObject({
      activeSlots: 1,
      taskRunIds: [running],
    });
    expect(await db.concurrencyLimits.reset('db')).toMatchObject({ activeSlots: 0, taskRunIds: [] });
    await expect(db.concurrencyLimits.reset('nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('concurrent acquires for one task run hold one slot', async () => {
    await db.concurrencyLimits.create({ tag: 'db', limit: 5 });
    await db.concurrencyLimits.create({ tag: 'api', limit: 5 });
    const t1 = await task('a');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.concurrencyLimits.acquire({ taskRunId: t1, tags: i % 2 ? ['db', 'api'] : ['api', 'db'] }),
      ),
    );
    expect(results.every((r) => r.acquired)).toBe(true);
    expect(await db.concurrencyLimits.getByTag('db')).toMatchObject({ activeSlots: 1, taskRunIds: [t1] });
    expect(await db.concurrencyLimits.getByTag('api')).toMatchObject({ activeSlots: 1, taskRunIds: [t1] });
  });

  it('acquiring for a task run that does not exist is a NotFoundError and takes nothing', async () => {
    await db.concurrencyLimits.create({ tag: 'db', limit: 1 });
    const missing = '00000000-0000-4000-8000-000000000001';
    const error = await db.concurrencyLimits.acquire({ taskRunId: missing, tags: ['db'] }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ entity: 'task run' });
    expect(await db.concurrencyLimits.getByTag('db')).toMatchObject({ activeSlots: 0, taskRunIds: [] });
    expect(await db.globalConcurrencyLimits.listLeases()).toEqual([]);
  });

  it('a limit set to 0 refuses even the run already holding its slot, which stays held until released', async () => {
    await db.concurrencyLimits.create({ tag: 'db', limit: 1 });
    const t1 = await task('a');
    expect((await db.concurrencyLimits.acquire({ taskRunId: t1, tags: ['db'] })).acquired).toBe(true);
    await db.concurrencyLimits.create({ tag: 'db', limit: 0 });
    expect(await db.concurrencyLimits.acquire({ taskRunId: t1, tags: ['db'] })).toEqual({
      acquired: false,
      retryAfterSeconds: null,
      blockedBy: ['db'],
    });
    expect(await db.concurrencyLimits.getByTag('db')).toMatchObject({ activeSlots: 1, taskRunIds: [t1] });
    await db.concurrencyLimits.release({ taskRunId: t1, tags: ['db'] });
    expect(await db.concurrencyLimits.getByTag('db')).toMatchObject({ activeSlots: 0, taskRunIds: [] });
  });

  it('the limit_decay_clock down keeps TTL-less leases (farthest time) and the up takes them back', async () => {
    await db.concurrencyLimits.create({ tag: 'db', limit: 1 });
    const t1 = await task('a');
    await db.concurrencyLimits.acquire({ taskRunId: t1, tags: ['db'] });
    // Down to just before limit_decay_clock, by name: later revisions (block_reference_restrict) come after it.
    await db.migrate({ to: 'user_documents_json' });
    const [row] = await db.execute<{ expires_at: unknown }>('select expires_at from concurrency_lease');
    const ms = typeof row!.expires_at === 'number' ? row!.expires_at : Date.parse(String(row!.expires_at));
    expect(new Date(Number(ms)).getUTCFullYear()).toBe(9999);
    await db.migrate({ to: 'head' });
    expect(await db.concurrencyLimits.getByTag('db')).toMatchObject({ activeSlots: 1, taskRunIds: [t1] });
  });
});
