import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, NotFoundError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe.each(DIALECTS)('claiming scheduled runs (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
    await db.workPools.create({ name: 'pool' });
  });
  afterEach(async () => {
    await db.close();
  });

  const queue = (name: string, options: { priority?: number; concurrencyLimit?: number } = {}) =>
    db.workQueues.create({ workPoolName: 'pool', name, ...options });
  const scheduled = (workQueueId: string, minutes: number, extra: Record<string, unknown> = {}) =>
    db.flowRuns.create({
      flowId,
      workQueueId,
      state: { type: 'SCHEDULED', stateDetails: { scheduledTime: minutesAgo(minutes) } },
      ...extra,
    });
  const claim = (limit: number, extra: Record<string, unknown> = {}) =>
    db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit, ...extra });

  it('fills free slots by strict queue priority first, then scheduled time, then id', async () => {
    const high = await queue('high', { priority: 1 });
    const low = await queue('low', { priority: 2 });
    const lowEarly = await scheduled(low.id, 60);
    const highLate = await scheduled(high.id, 1);
    const highEarly = await scheduled(high.id, 5);
    await db.workPools.update((await db.workPools.getByName('pool'))!.id, { concurrencyLimit: 2 });
    const preview = await db.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: 10 });
    expect(preview.map((r) => r.id)).toEqual([highEarly.id, highLate.id]);
    expect((await db.flowRuns.get(highEarly.id))!.stateType).toBe('SCHEDULED');
    const claimed = await claim(10);
    expect(claimed.map((r) => r.id)).toEqual([highEarly.id, highLate.id]);
    expect(claimed.every((r) => r.stateType === 'PENDING' && r.nextScheduledStartTime === null)).toBe(true);
    expect((await db.flowRuns.get(lowEarly.id))!.stateType).toBe('SCHEDULED');
    expect(await claim(10)).toEqual([]);
  });

  it('never exceeds queue, pool or deployment limits, and never hands out a run twice', async () => {
    const a = await queue('a', { concurrencyLimit: 2 });
    const b = await queue('b');
    const dep = await db.deployments.upsert({
      flowId,
      name: 'limited',
      concurrencyLimit: 1,
      workPoolName: 'pool',
      workQueueName: 'b',
    });
    for (let i = 0; i < 4; i++) await scheduled(a.id, 10 - i);
    for (let i = 0; i < 3; i++) await scheduled(b.id, 10 - i, { deploymentId: dep.id });
    for (let i = 0; i < 3; i++) await scheduled(b.id, 5 - i);
    const first = await claim(100);
    // a: 2 (queue limit), b: 1 of the deployment's runs (deployment limit) + 3 others.
    expect(first).toHaveLength(6);
    expect(first.filter((r) => r.workQueueId === a.id)).toHaveLength(2);
    expect(first.filter((r) => r.deploymentId === dep.id)).toHaveLength(1);
    expect(await claim(100)).toEqual([]);
    // Completing a run frees its slots.
    const done = first.find((r) => r.deploymentId === dep.id)!;
    await db.flowRuns.setState(done.id, { type: 'RUNNING' });
    expect(await claim(100)).toEqual([]);
    await db.flowRuns.setState(done.id, { type: 'COMPLETED' });
    const second = await claim(100);
    expect(second.map((r) => r.deploymentId)).toEqual([dep.id]);
    const ids = [...first, ...second].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('honours the pool limit across its unpaused queues', async () => {
    const pool = (await db.workPools.getByName('pool'))!;
    await db.workPools.update(pool.id, { concurrencyLimit: 3 });
    const a = await queue('a');
    for (let i = 0; i < 5; i++) await scheduled(a.id, 5 - i);
    expect(await claim(2)).toHaveLength(2);
    expect(await claim(5)).toHaveLength(1);
    expect(await claim(5)).toHaveLength(0);
  });

  it('cancels due runs of a full CANCEL_NEW deployment and leaves ENQUEUE ones scheduled', async () => {
    const q = await queue('q');
    const cancelNew = await db.deployments.upsert({
      flowId,
      name: 'cancel-new',
      concurrencyLimit: 1,
      concurrencyOptions: { collisionStrategy: 'CANCEL_NEW' },
    });
    const enqueue = await db.deployments.upsert({ flowId, name: 'enqueue', concurrencyLimit: 1 });
    const c1 = await scheduled(q.id, 10, { deploymentId: cancelNew.id });
    const c2 = await scheduled(q.id, 9, { deploymentId: cancelNew.id });
    const e1 = await scheduled(q.id, 8, { deploymentId: enqueue.id });
    const e2 = await scheduled(q.id, 7, { deploymentId: enqueue.id });
    const claimed = await claim(10);
    expect(claimed.map((r) => r.id).sort()).toEqual([c1.id, e1.id].sort());
    expect((await db.flowRuns.get(c2.id))!.stateType).toBe('CANCELLED');
    expect((await db.flowRuns.get(e2.id))!.stateType).toBe('SCHEDULED');
  });

  it('skips paused pools and queues, future runs, and in-process retries', async () => {
    const a = await queue('a');
    const paused = await queue('paused');
    await db.workQueues.update(paused.id, { isPaused: true });
    await scheduled(paused.id, 5);
    await db.flowRuns.create({
      flowId,
      workQueueId: a.id,
      state: {
        type: 'SCHEDULED',
        stateDetails: { scheduledTime: new Date(Date.now() + 3_600_000).toISOString() },
      },
    });
    const retry = await scheduled(a.id, 5, { empiricalPolicy: { retryType: 'in_process' } });
    expect(await claim(10)).toEqual([]);
    expect(await claim(10, { scheduledBefore: new Date(Date.now() + 7_200_000) })).toHaveLength(1);
    expect((await db.flowRuns.get(retry.id))!.stateType).toBe('SCHEDULED');
    const ready = await scheduled(a.id, 5);
    const pool = (await db.workPools.getByName('pool'))!;
    await db.workPools.update(pool.id, { isPaused: true });
    expect((await db.workPools.get(pool.id))!.status).toBe('PAUSED');
    expect(await claim(10)).toEqual([]);
    await db.workPools.update(pool.id, { isPaused: false });
    expect((await claim(10)).map((r) => r.id)).toEqual([ready.id]);
  });

  it("counts a paused queue's active runs against the pool's limit", async () => {
    const a = await queue('a');
    const b = await queue('b');
    for (let i = 0; i < 3; i++) await scheduled(a.id, 10 - i);
    for (let i = 0; i < 3; i++) await scheduled(b.id, 10 - i);
    await db.workPools.update((await db.workPools.getByName('pool'))!.id, { concurrencyLimit: 2 });
    expect(await claim(10, { workQueueNames: ['a'] })).toHaveLength(2);
    await db.workQueues.update(a.id, { isPaused: true });
    // a's two PENDING runs still fill the pool: nothing more from b.
    expect(await claim(10)).toEqual([]);
    expect(await db.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: 10 })).toEqual([]);
  });

  it('claims only from the named queues, records the heartbeat and marks queues polled', async () => {
    const a = await queue('a');
    const b = await queue('b');
    await scheduled(a.id, 5);
    const inB = await scheduled(b.id, 5);
    const claimed = await claim(10, { workQueueNames: ['b'], workerName: 'worker-1' });
    expect(claimed.map((r) => r.id)).toEqual([inB.id]);
    expect((await db.workQueues.get(b.id))!.status).toBe('READY');
    expect((await db.workQueues.get(b.id))!.lastPolled).toBeInstanceOf(Date);
    expect((await db.workQueues.get(a.id))!.lastPolled).toBeNull();
    const workers = await db.workers.list('pool');
    expect(workers.map((w) => [w.name, w.status])).toEqual([['worker-1', 'ONLINE']]);
    expect((await db.workPools.getByName('pool'))!.status).toBe('READY');
    await expect(claim(1, { workQueueNames: ['nope'] })).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.workQueues.claimScheduledRuns({ workPoolName: 'nope', limit: 1 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('records the claim in the state history with the bookkeeping', async () => {
    const a = await queue('a');
    const run = await scheduled(a.id, 5);
    const [claimed] = await claim(1);
    expect(claimed).toMatchObject({
      id: run.id,
      stateType: 'PENDING',
      expectedStartTime: run.expectedStartTime,
    });
    expect((await db.flowRuns.states(run.id)).map((s) => s.type)).toEqual(['SCHEDULED', 'PENDING']);
  });

  // On PostgreSQL a claim that takes runs writes its states, its runs and these marks in one
  // statement (writeTransitions' `alongside`); a claim of one run or none, and SQLite, apart.
  it.each([1, 3])(
    'a claim of %i runs writes their states and marks its queues and only their deployments polled',
    async (n) => {
      const a = await queue('a');
      const off = await queue('off');
      const other = await queue('other');
      const polled = await db.deployments.upsert({
        flowId,
        name: 'd',
        workPoolName: 'pool',
        workQueueName: 'a',
      });
      const elsewhere = await db.deployments.upsert({
        flowId,
        name: 'e',
        workPoolName: 'pool',
        workQueueName: 'other',
      });
      const runs = [];
      for (let i = 0; i < n; i++) runs.push(await scheduled(a.id, 10 - i, { deploymentId: polled.id }));
      await db.workQueues.update(off.id, { isPaused: true });
      const claimed = await claim(10, { workQueueNames: ['a', 'off'] });
      expect(claimed.map((r) => r.id)).toEqual(runs.map((r) => r.id));
      for (const run of claimed) {
        expect(run.stateType).toBe('PENDING');
        const states = await db.flowRuns.states(run.id);
        expect(states.map((s) => s.type)).toEqual(['SCHEDULED', 'PENDING']);
        expect(run.stateId).toBe(states[1]!.id);
      }
      expect((await db.workQueues.get(a.id))!).toMatchObject({
        status: 'READY',
        lastPolled: expect.any(Date),
      });
      expect((await db.workQueues.get(off.id))!.status).toBe('PAUSED');
      expect((await db.workQueues.get(other.id))!.lastPolled).toBeNull();
      expect((await db.deployments.get(polled.id))!).toMatchObject({
        status: 'READY',
        lastPolled: expect.any(Date),
      });
      expect((await db.deployments.get(elsewhere.id))!.lastPolled).toBeNull();
    },
  );
});
