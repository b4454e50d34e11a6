import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, type Database, NotFoundError } from '../../src/index.js';
import { workerStatus } from '../../src/repositories/workers.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('work pools, queues and workers (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  const priorities = async (pool = 'pool') =>
    (await db.workQueues.list({ where: { workPoolName: pool } })).map((q) => `${q.priority}:${q.name}`);

  it('creates a pool with its default queue; names are unique', async () => {
    const pool = await db.workPools.create({ name: 'pool', type: 'docker', baseJobTemplate: { image: 'x' } });
    expect(pool).toMatchObject({ name: 'pool', type: 'docker', status: 'NOT_READY', isPaused: false });
    const queue = await db.workQueues.get(pool.defaultQueueId!);
    expect(queue).toMatchObject({ name: 'default', priority: 1, workPoolId: pool.id });
    expect(await db.workQueues.getByName('pool', 'default')).toEqual(queue);
    expect(await db.workPools.getByName('pool')).toEqual(pool);
    await expect(db.workPools.create({ name: 'pool' })).rejects.toMatchObject({
      constraint: 'uq_work_pool__name',
    });
    expect((await db.workPools.list()).map((p) => p.name)).toEqual(['pool']);
    expect(await db.workPools.list({ where: { type: { any: ['process'] } } })).toEqual([]);
  });

  it('keeps queue priorities unique and dense: insert shifts, move shifts, delete closes the gap', async () => {
    await db.workPools.create({ name: 'pool' });
    await db.workQueues.create({ workPoolName: 'pool', name: 'b' });
    await db.workQueues.create({ workPoolName: 'pool', name: 'a', priority: 1 });
    const c = await db.workQueues.create({ workPoolName: 'pool', name: 'c', priority: 99 });
    expect(await priorities()).toEqual(['1:a', '2:default', '3:b', '4:c']);
    await db.workQueues.update(c.id, { priority: 2 });
    expect(await priorities()).toEqual(['1:a', '2:c', '3:default', '4:b']);
    await db.workQueues.update(c.id, { priority: 4 });
    expect(await priorities()).toEqual(['1:a', '2:default', '3:b', '4:c']);
    await db.workQueues.delete((await db.workQueues.getByName('pool', 'a'))!.id);
    expect(await priorities()).toEqual(['1:default', '2:b', '3:c']);
  });

  it('refuses to delete the default queue, and deletes a pool with its queues and workers', async () => {
    const pool = await db.workPools.create({ name: 'pool' });
    await expect(db.workQueues.delete(pool.defaultQueueId!)).rejects.toBeInstanceOf(ConflictError);
    await db.workers.heartbeat({ workPoolName: 'pool', name: 'w' });
    await db.workPools.delete(pool.id);
    expect(await db.workPools.get(pool.id)).toBeNull();
    expect(await db.workQueues.list()).toEqual([]);
    await expect(db.workers.list('pool')).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.workPools.delete(pool.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pauses pools and queues through their status', async () => {
    const pool = await db.workPools.create({ name: 'pool' });
    expect((await db.workPools.update(pool.id, { isPaused: true })).status).toBe('PAUSED');
    expect((await db.workPools.update(pool.id, { isPaused: false })).status).toBe('NOT_READY');
    const q = await db.workQueues.create({ workPoolName: 'pool', name: 'q', isPaused: true });
    expect(q.status).toBe('PAUSED');
    expect((await db.workQueues.update(q.id, { isPaused: false })).status).toBe('NOT_READY');
  });

  // As Prefect's update: READY again where the pool has an online worker, the queue a recent poll
  // (found by a fresh user's trial: unpausing a pool whose worker was online left it NOT_READY).
  it('unpausing makes a pool with an online worker and a queue polled within 60 s READY again', async () => {
    const pool = await db.workPools.create({ name: 'pool' });
    await db.workers.heartbeat({ workPoolName: 'pool', name: 'w', heartbeatIntervalSeconds: 30 });
    const queue = await db.workQueues.getByName('pool', 'default');
    await db.workQueues.claimScheduledRuns({ workPoolName: 'pool', workerName: 'w', limit: 1 });
    for (let round = 0; round < 2; round++) {
      expect((await db.workPools.update(pool.id, { isPaused: true })).status).toBe('PAUSED');
      expect((await db.workQueues.update(queue!.id, { isPaused: true })).status).toBe('PAUSED');
      expect((await db.workPools.update(pool.id, { isPaused: false })).status).toBe('READY');
      expect((await db.workQueues.update(queue!.id, { isPaused: false })).status).toBe('READY');
    }
    // Unpausing what is not paused changes nothing.
    expect((await db.workPools.update(pool.id, { isPaused: false })).status).toBe('READY');
    // The worker went offline (its heartbeat older than 3 intervals) and the queue was not polled
    // for a minute: NOT_READY, as refreshStatus would say.
    const old = new Date(Date.now() - 120_000);
    await db.execute(
      sql`update worker set last_heartbeat_time = ${dialect === 'sqlite' ? old.getTime() : old.toISOString()}`,
    );
    await db.execute(
      sql`update work_queue set last_polled = ${dialect === 'sqlite' ? old.getTime() : old.toISOString()}`,
    );
    await db.workPools.update(pool.id, { isPaused: true });
    await db.workQueues.update(queue!.id, { isPaused: true });
    expect((await db.workPools.update(pool.id, { isPaused: false })).status).toBe('NOT_READY');
    expect((await db.workQueues.update(queue!.id, { isPaused: false })).status).toBe('NOT_READY');
  });

  it('records heartbeats, readies the pool, lists newest first and derives status', async () => {
    await db.workPools.create({ name: 'pool' });
    const w1 = await db.workers.heartbeat({ workPoolName: 'pool', name: 'w1', heartbeatIntervalSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const w2 = await db.workers.heartbeat({ workPoolName: 'pool', name: 'w2' });
    expect((await db.workPools.getByName('pool'))!.status).toBe('READY');
    expect((await db.workers.list('pool')).map((w) => w.name)).toEqual(['w2', 'w1']);
    const again = await db.workers.heartbeat({ workPoolName: 'pool', name: 'w1' });
    expect(again.id).toBe(w1.id);
    expect(again.heartbeatIntervalSeconds).toBe(10);
    expect(again.lastHeartbeatTime.getTime()).toBeGreaterThanOrEqual(w2.lastHeartbeatTime.getTime());
    const now = new Date();
    expect(
      workerStatus(
        { lastHeartbeatTime: new Date(now.getTime() - 89_000), heartbeatIntervalSeconds: null },
        now,
      ),
    ).toBe('ONLINE');
    expect(
      workerStatus(
        { lastHeartbeatTime: new Date(now.getTime() - 91_000), heartbeatIntervalSeconds: null },
        now,
      ),
    ).toBe('OFFLINE');
    expect(
      workerStatus(
        { lastHeartbeatTime: new Date(now.getTime() - 31_000), heartbeatIntervalSeconds: 10 },
        now,
      ),
    ).toBe('OFFLINE');
    await db.workers.delete('pool', 'w1');
    expect((await db.workers.list('pool')).map((w) => w.name)).toEqual(['w2']);
    await expect(db.workers.delete('pool', 'w1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.workers.heartbeat({ workPoolName: 'nope', name: 'w' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
