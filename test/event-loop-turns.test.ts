/**
 * A loop of awaited calls lets timers and I/O run (src/dialect/event-loop-turns.ts). On SQLite a
 * call settles through microtasks alone, and a fresh user's worker loop that waited for a flag set
 * by a timer never ended: 275 claims in a second, and the 10 ms timer never fired.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, type Database } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';

describe.each(DIALECTS)('a loop of awaited calls and the event loop (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    await db.workPools.create({ name: 'p' });
  });
  afterEach(async () => {
    await db.close();
  });

  /** Calls `call` in a loop until a timer of `delayMs` has fired or `budgetMs` passed; ms until it fired. */
  async function timerDuringLoop(call: () => Promise<unknown>, delayMs: number, budgetMs = 2000) {
    const start = performance.now();
    let firedAt: number | undefined;
    setTimeout(() => {
      firedAt = performance.now() - start;
    }, delayMs);
    let calls = 0;
    while (firedAt === undefined && performance.now() - start < budgetMs) {
      await call();
      calls++;
    }
    return { firedAt, calls };
  }

  it('a timer fires while a worker loops on claims, and the loop waiting for it ends', async () => {
    const { firedAt, calls } = await timerDuringLoop(
      () => db.workQueues.claimScheduledRuns({ workPoolName: 'p', limit: 1 }),
      10,
    );
    expect(firedAt, `after ${calls} claims`).toBeDefined();
    expect(firedAt!).toBeLessThan(1000);
  });

  // setState runs synchronously on SQLite when nothing is queued (Dialect.transactionNow): it too
  // must wait for a turn when one is due.
  it('a timer fires while a loop of state transitions runs', async () => {
    const flow = await db.flows.create({ name: 'f' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    let i = 0;
    const { firedAt, calls } = await timerDuringLoop(
      () => db.flowRuns.setState(run.id, { type: i++ % 2 ? 'RUNNING' : 'PENDING' }),
      10,
    );
    expect(firedAt, `after ${calls} transitions`).toBeDefined();
    expect(firedAt!).toBeLessThan(1000);
  });

  it('an interval keeps ticking through a burst of calls made together', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 5);
    const start = performance.now();
    try {
      await Promise.all(
        Array.from({ length: 300 }, () => db.workQueues.claimScheduledRuns({ workPoolName: 'p', limit: 1 })),
      );
    } finally {
      clearInterval(interval);
    }
    const ms = performance.now() - start;
    // At least one tick per 50 ms of the burst (it ticked once in 583 ms before).
    expect(ticks, `${ticks} ticks in ${ms.toFixed(0)} ms`).toBeGreaterThanOrEqual(Math.floor(ms / 50));
  });

  it('a timer fires while a loop of failing calls runs (each a ConflictError)', async () => {
    const { firedAt } = await timerDuringLoop(
      () =>
        db.workPools.create({ name: 'p' }).then(
          () => expect.unreachable(),
          (error: unknown) => expect(error).toBeInstanceOf(ConflictError),
        ),
      10,
    );
    expect(firedAt).toBeDefined();
  });

  // Calls made together on a transaction run in the order they were made (semantics.md §1), and
  // settle in that order; on SQLite so do calls outside one (one connection, behind its gate). A
  // PostgreSQL pool runs those in parallel, in no promised order.
  it('property: calls made together still settle in the order they were made', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 40 }), fc.boolean(), async (n, outside) => {
        const inTransaction = !outside || dialect === 'postgresql';
        const order: number[] = [];
        const run = async (q: Pick<Database, 'flows'>) => {
          // Enough back-to-back calls that some are handed over on a later turn.
          const calls = Array.from({ length: n }, (_, i) => q.flows.count().then(() => order.push(i)));
          await Promise.all(calls);
        };
        if (inTransaction) await db.transaction((tx) => run(tx));
        else await run(db);
        expect(order).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { numRuns: 30 },
    );
  });
});
