/**
 * Limit calls on SQLite run synchronously when nothing could run before them (Dialect.statementNow
 * for a global limit's one-statement acquire and release, Dialect.transactionNow for the tag route).
 * These pin what that must not change, on both dialects through the same bodies: a call made while
 * a transaction holds the connection stays out of it and waits for it, calls made together settle
 * in the order they were made, errors are typed and carry the caller's frame, and a tag acquire
 * failing half-way leaves nothing written. On SQLite they also check that the path is taken: the
 * write is there before the call's promise is awaited.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, DatabaseError, NotFoundError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import type { SqliteDialect } from '../../src/dialect/sqlite/sqlite-dialect.js';
import { DIALECTS } from '../support/dialects.js';
import { heldTransaction } from '../support/held-transaction.js';
import { dialectOf } from '../support/internals.js';

const MISSING = '0190a1b2-c3d4-7e5f-8a9b-0000000000ff';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DIALECTS)('limit calls, synchronous where they can be (%s)', (dialect) => {
  let db: Database;
  let taskRunId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const flow = await db.flows.create({ name: 'limits-now' });
    const flowRun = await db.flowRuns.create({ flowId: flow.id });
    taskRunId = (await db.taskRuns.create({ flowRunId: flowRun.id, taskKey: 't', dynamicKey: '0' })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  // A turn of the event loop just taken: calls within the next TURN_MS (20 ms) do not wait for one,
  // which would send them the long way (event-loop-turns.ts).
  const turned = async () => {
    await delay(25);
    await db.flows.count();
  };
  const globalSlots = async (name: string) => (await db.globalConcurrencyLimits.getByName(name))!.activeSlots;
  const tagSlots = async (tag: string) => (await db.concurrencyLimits.getByTag(tag))!.activeSlots;

  it('on SQLite the write is done before the call is awaited; the answers are the usual ones', async () => {
    await db.globalConcurrencyLimits.create({ name: 'now-g', limit: 1 });
    await db.concurrencyLimits.create({ tag: 'now-t', limit: 1 });
    const read = (text: string) => {
      const connection = (dialectOf(db) as SqliteDialect).connection;
      return (connection.prepare(text).get() as { n: number }).n;
    };
    const slotsNow = (name: string) =>
      dialect === 'sqlite'
        ? read(`select active_slots as n from concurrency_limit_v2 where name = '${name}'`)
        : undefined;
    await turned();
    const acquired = db.globalConcurrencyLimits.acquire({ names: ['now-g'], slots: 1 });
    if (dialect === 'sqlite') expect(slotsNow('now-g')).toBe(1);
    expect(await acquired).toEqual({ acquired: true });
    const denied = await db.globalConcurrencyLimits.acquire({ names: ['now-g'], slots: 1 });
    expect(denied).toMatchObject({ acquired: false, blockedBy: ['now-g'] });
    await turned();
    const released = db.globalConcurrencyLimits.release({ names: ['now-g'], slots: 1 });
    if (dialect === 'sqlite') expect(slotsNow('now-g')).toBe(0);
    await released;
    expect(await globalSlots('now-g')).toBe(0);

    await turned();
    const tagged = db.concurrencyLimits.acquire({ taskRunId, tags: ['now-t'] });
    if (dialect === 'sqlite') expect(slotsNow('tag:now-t')).toBe(1);
    expect(await tagged).toEqual({ acquired: true });
    expect((await db.concurrencyLimits.getByTag('now-t'))!.taskRunIds).toEqual([taskRunId]);
    await turned();
    const untagged = db.concurrencyLimits.release({ taskRunId, tags: ['now-t'] });
    if (dialect === 'sqlite') expect(slotsNow('tag:now-t')).toBe(0);
    await untagged;
    expect(await db.concurrencyLimits.getByTag('now-t')).toMatchObject({ activeSlots: 0, taskRunIds: [] });
  });

  it('a limit call made while a transaction holds the database stays out of it', async () => {
    await db.globalConcurrencyLimits.create({ name: 'held-g', limit: 5 });
    await db.concurrencyLimits.create({ tag: 'held-t', limit: 5 });
    const settled: string[] = [];
    await turned();
    const { release, ended: transaction } = heldTransaction(
      db,
      (tx) => tx.globalConcurrencyLimits.acquire({ names: ['held-g'], slots: 2 }),
      settled,
    );
    // Made outside the transaction's async context: calls of their own, never part of it.
    const outside = Promise.all([
      db.globalConcurrencyLimits.acquire({ names: ['held-g'], slots: 1 }),
      db.concurrencyLimits.acquire({ taskRunId, tags: ['held-t'] }),
    ]).then((answers) => {
      settled.push('acquires');
      return answers;
    });
    await delay(10);
    release();
    await Promise.all([transaction, outside]);
    // SQLite has one connection: the calls wait for the transaction to end. A PostgreSQL pool runs
    // them beside the transaction, on connections of their own.
    if (dialect === 'sqlite') expect(settled).toEqual(['transaction', 'acquires']);
    expect(await globalSlots('held-g')).toBe(1);
    expect(await tagSlots('held-t')).toBe(1);
    await db.concurrencyLimits.release({ taskRunId, tags: ['held-t'] });
  });

  // On SQLite calls outside a transaction run one at a time behind the connection's gate, in the
  // order they were made (a PostgreSQL pool runs them in parallel, so there only inside one).
  it('property: limit calls made together settle in the order they were made, with the answers of that order', async () => {
    await db.globalConcurrencyLimits.create({ name: 'order-g', limit: 2 });
    await db.concurrencyLimits.create({ tag: 'order-t', limit: 1 });
    type Scope = Pick<Database, 'flows' | 'globalConcurrencyLimits' | 'concurrencyLimits'>;
    // Each kind of call: what it sends (each with one `then`, so that settling in order is the
    // library's doing, not the chains'), and its answer in a serial run from the counts before it.
    const model = { slots: 0, held: false };
    const kinds: Record<string, { send: (q: Scope) => Promise<unknown>; expect: () => unknown }> = {
      acquire: {
        send: (q) =>
          q.globalConcurrencyLimits.acquire({ names: ['order-g'], slots: 1 }).then((r) => r.acquired),
        expect: () => model.slots < 2 && ++model.slots > 0,
      },
      release: {
        send: (q) =>
          q.globalConcurrencyLimits.release({ names: ['order-g'], slots: 1 }).then(() => undefined),
        expect: () => {
          model.slots = Math.max(0, model.slots - 1);
        },
      },
      tagAcquire: {
        send: (q) => q.concurrencyLimits.acquire({ taskRunId, tags: ['order-t'] }).then((r) => r.acquired),
        expect: () => {
          model.held = true;
          return true;
        },
      },
      tagRelease: {
        send: (q) => q.concurrencyLimits.release({ taskRunId, tags: ['order-t'] }).then(() => undefined),
        expect: () => {
          model.held = false;
        },
      },
      count: { send: (q) => q.flows.count().then(() => undefined), expect: () => undefined },
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...Object.keys(kinds)), { minLength: 2, maxLength: 12 }),
        async (calls) => {
          const order: number[] = [];
          model.slots = await globalSlots('order-g');
          model.held = (await tagSlots('order-t')) === 1;
          const expected = calls.map((kind) => kinds[kind]!.expect());
          const run = (q: Scope) =>
            Promise.all(
              calls.map((kind, i) =>
                kinds[kind]!.send(q).then((answer) => {
                  order.push(i);
                  return answer;
                }),
              ),
            );
          const answers = dialect === 'sqlite' ? await run(db) : await db.transaction((tx) => run(tx));
          expect(order).toEqual(calls.map((_, i) => i));
          expect(answers).toEqual(expected);
          expect(await globalSlots('order-g')).toBe(model.slots);
          expect(await tagSlots('order-t')).toBe(model.held ? 1 : 0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("errors are the typed ones and carry the caller's frame", async () => {
    await db.concurrencyLimits.create({ tag: 'missing-run', limit: 1 });
    await db.flows.count();
    const missing = await db.concurrencyLimits
      .acquire({ taskRunId: MISSING, tags: ['missing-run'] })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).stack).toContain('limits-now.test.ts');
    expect(await tagSlots('missing-run')).toBe(0);
  });

  it('a tag acquire failing after it took a slot leaves nothing written and the handle usable', async () => {
    await db.concurrencyLimits.create({ tag: 'refused', limit: 3 });
    // A trigger refusing the lease's INSERT: the failure comes after the limit's UPDATE.
    if (dialect === 'sqlite') {
      (dialectOf(db) as SqliteDialect).connection.exec(
        "create trigger orion_test_refuse_lease before insert on concurrency_lease when new.holder_id = 'x' or 1 begin select raise(abort, 'lease refused by the test'); end",
      );
    } else {
      await db.execute(
        "create function orion_test_refuse_lease() returns trigger language plpgsql as $$ begin raise exception 'lease refused by the test'; end $$",
      );
      await db.execute(
        'create trigger orion_test_refuse_lease before insert on concurrency_lease for each row execute function orion_test_refuse_lease()',
      );
    }
    try {
      await db.flows.count();
      const error = await db.concurrencyLimits
        .acquire({ taskRunId, tags: ['refused'] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as Error).message).toContain('lease refused by the test');
      expect((error as Error).stack).toContain('limits-now.test.ts');
      expect(await db.concurrencyLimits.getByTag('refused')).toMatchObject({
        activeSlots: 0,
        taskRunIds: [],
      });
    } finally {
      await db.execute(
        'drop trigger orion_test_refuse_lease' + (dialect === 'sqlite' ? '' : ' on concurrency_lease'),
      );
    }
    expect(await db.concurrencyLimits.acquire({ taskRunId, tags: ['refused'] })).toEqual({ acquired: true });
    expect(await tagSlots('refused')).toBe(1);
  });
});
