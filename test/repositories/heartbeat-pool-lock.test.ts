/**
 * A worker's heartbeat (workers.heartbeat, or a claim that names its worker) moves a NOT_READY pool
 * to READY without waiting for a pool row another transaction holds (PostgreSQL). Found by a fresh
 * user's trial: worker A claiming inside its own open transaction made worker B's claim on the same
 * pool (no limits anywhere) wait for A's commit, up to the statement timeout, while a claim without
 * a worker name went through at once. On SQLite one writer runs at a time: B waits for A there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and the function that resolves it. */
function latch(): [Promise<void>, () => void] {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return [promise, open];
}

describe.each(DIALECTS)('a heartbeat beside a transaction holding the pool row (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let pool = 0;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  /** A fresh pool (NOT_READY, no limits) with `runs` due runs in its default queue. */
  async function poolWithRuns(runs: number): Promise<string> {
    const name = `pool-${++pool}`;
    await db.workPools.create({ name });
    const queue = await db.workQueues.getByName(name, 'default');
    const due = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < runs; i++) {
      await db.flowRuns.create({
        flowId,
        workQueueId: queue!.id,
        state: { type: 'SCHEDULED', stateDetails: { scheduledTime: due } },
      });
    }
    expect((await db.workPools.getByName(name))?.status).toBe('NOT_READY');
    return name;
  }

  /**
   * Worker A claims (and so heartbeats) inside a transaction it holds open until `other` settles,
   * or 2 s at most; returns the order in which A's transaction and `other` settled, and what
   * `other` resolved to.
   */
  async function beside<T>(workPoolName: string, other: () => Promise<T>) {
    const settled: string[] = [];
    const [inside, claimed] = latch();
    const [held, release] = latch();
    const a = db
      .transaction(async (tx) => {
        const runs = await tx.workQueues.claimScheduledRuns({ workPoolName, workerName: 'A', limit: 2 });
        claimed();
        await Promise.race([held, delay(2000)]);
        return runs;
      })
      .then((runs) => {
        settled.push('A');
        return runs;
      });
    // SQLite: B is made after A began, and its one connection runs A's transaction first.
    if (dialect === 'postgresql') await inside;
    const b = other().then((result) => {
      settled.push('B');
      release();
      return result;
    });
    const [aRuns, bResult] = await Promise.all([a, b]);
    return { settled, aRuns, bResult };
  }

  it("another worker's claim goes on while a claim in an open transaction holds the pool row", async () => {
    const workPoolName = await poolWithRuns(4);
    const { settled, aRuns, bResult } = await beside(workPoolName, () =>
      db.workQueues.claimScheduledRuns({ workPoolName, workerName: 'B', limit: 2 }),
    );
    expect(settled).toEqual(dialect === 'postgresql' ? ['B', 'A'] : ['A', 'B']);
    expect(aRuns).toHaveLength(2);
    expect(bResult).toHaveLength(2);
    expect(new Set([...aRuns, ...bResult].map((r) => r.id)).size).toBe(4);
    // A's commit made the pool READY; both workers are online.
    expect((await db.workPools.getByName(workPoolName))?.status).toBe('READY');
    const workers = await db.workers.list(workPoolName);
    expect(workers.map((w) => [w.name, w.status]).sort()).toEqual([
      ['A', 'ONLINE'],
      ['B', 'ONLINE'],
    ]);
  });

  it("another worker's heartbeat goes on too, and a rolled-back claim leaves the pool for the next heartbeat", async () => {
    const workPoolName = await poolWithRuns(2);
    const { settled } = await beside(workPoolName, () => db.workers.heartbeat({ workPoolName, name: 'B' }));
    expect(settled).toEqual(dialect === 'postgresql' ? ['B', 'A'] : ['A', 'B']);
    expect((await db.workPools.getByName(workPoolName))?.status).toBe('READY');

    // A holder that rolls back: the heartbeat beside it skipped the row, so the pool stays
    // NOT_READY until the next heartbeat, which makes it READY.
    const other = await poolWithRuns(1);
    const [held, release] = latch();
    const [inside, claimed] = latch();
    const rolledBack = db
      .transaction(async (tx) => {
        await tx.workers.heartbeat({ workPoolName: other, name: 'A' });
        claimed();
        await Promise.race([held, delay(2000)]);
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    if (dialect === 'postgresql') {
      await inside;
      await db.workers.heartbeat({ workPoolName: other, name: 'B' });
    }
    release();
    expect(await rolledBack).toBe('roll back');
    if (dialect === 'postgresql') expect((await db.workPools.getByName(other))?.status).toBe('NOT_READY');
    await db.workers.heartbeat({ workPoolName: other, name: 'B' });
    expect((await db.workPools.getByName(other))?.status).toBe('READY');
  });
});
