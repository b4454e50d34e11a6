import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

// Issue 11, section 2: claiming never starves and never skips a rule (semantics.md §5).
describe.each(DIALECTS)('claim fairness and CANCEL_NEW (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let queueId: string;
  let poolId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
    poolId = (await db.workPools.create({ name: 'pool' })).id;
    queueId = (await db.workPools.get(poolId))!.defaultQueueId!;
  });
  afterEach(async () => {
    await db.close();
  });

  const scheduled = (deploymentId: string | null, minutes: number) =>
    db.flowRuns.create({
      flowId,
      workQueueId: queueId,
      deploymentId,
      state: { type: 'SCHEDULED', stateDetails: { scheduledTime: minutesAgo(minutes) } },
    });
  const claim = (limit: number) => db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit });
  const finish = async (ids: string[]) => {
    for (const id of ids) {
      await db.flowRuns.setState(id, { type: 'RUNNING' });
      await db.flowRuns.setState(id, { type: 'COMPLETED' });
    }
  };

  it('CANCEL_NEW cancels a full deployment’s due run even when the pool has no room', async () => {
    await db.workPools.update(poolId, { concurrencyLimit: 1 });
    const d = await db.deployments.upsert({
      flowId,
      name: 'cancel-new',
      concurrencyLimit: 1,
      concurrencyOptions: { collisionStrategy: 'CANCEL_NEW' },
    });
    const running = await scheduled(d.id, 20);
    expect((await claim(1)).map((r) => r.id)).toEqual([running.id]);
    await db.flowRuns.setState(running.id, { type: 'RUNNING' });
    const due = await scheduled(d.id, 10);
    expect(await claim(5)).toEqual([]);
    expect((await db.flowRuns.get(due.id))!.stateType).toBe('CANCELLED');
    // Cancellations do not count against `limit`, and a limit of 0 claims nothing but still cancels.
    const again = await scheduled(d.id, 5);
    expect(await claim(0)).toEqual([]);
    expect((await db.flowRuns.get(again.id))!.stateType).toBe('CANCELLED');
  });

  it('a paused queue does nothing, cancellations included', async () => {
    const d = await db.deployments.upsert({
      flowId,
      name: 'cancel-new',
      concurrencyLimit: 1,
      concurrencyOptions: { collisionStrategy: 'CANCEL_NEW' },
    });
    const running = await scheduled(d.id, 20);
    expect((await claim(1)).map((r) => r.id)).toEqual([running.id]);
    const due = await scheduled(d.id, 10);
    await db.workQueues.update(queueId, { isPaused: true });
    expect(await claim(5)).toEqual([]);
    expect((await db.flowRuns.get(due.id))!.stateType).toBe('SCHEDULED');
  });

  it('a limited deployment’s backlog never hides another deployment’s due run', async () => {
    const a = await db.deployments.upsert({ flowId, name: 'a', concurrencyLimit: 1 });
    const b = await db.deployments.upsert({ flowId, name: 'b' });
    for (let i = 0; i < 30; i++) await scheduled(a.id, 100 - i);
    const bRun = await scheduled(b.id, 1);
    const claimed: string[] = [];
    for (let poll = 0; poll < 3; poll++) {
      const runs = await claim(5);
      claimed.push(...runs.map((r) => r.id));
      await finish(runs.map((r) => r.id));
    }
    expect(claimed).toContain(bRun.id);
    expect(claimed).toHaveLength(4);
  });

  it('refuses a deployment concurrencyLimit of 0, as Prefect does; a stored 0 claims nothing', async () => {
    const says = 'concurrencyLimit: must be a whole number from 1 to 1,000,000 (null means no limit';
    const created = await db.deployments.upsert({ flowId, name: 'd', concurrencyLimit: 0 }).catch((e) => e);
    expect(created).toBeInstanceOf(ValidationError);
    expect(created.message).toContain(says);
    expect(await db.deployments.count()).toBe(0);
    const d = await db.deployments.upsert({ flowId, name: 'd', concurrencyLimit: 1 });
    for (const write of [
      () => db.deployments.upsert({ flowId, name: 'd', concurrencyLimit: 0 }),
      () => db.deployments.update(d.id, { concurrencyLimit: 0 }),
    ]) {
      const error = await write().catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain(says);
    }
    expect(await db.deployments.get(d.id)).toEqual(d);
    expect((await db.deployments.update(d.id, { concurrencyLimit: null })).concurrencyLimit).toBeNull();
    await db.deployments.update(d.id, { concurrencyLimit: 1 });
    const [older, newer] = [await scheduled(d.id, 2), await scheduled(d.id, 1)];
    expect((await claim(5)).map((r) => r.id)).toEqual([older.id]);
    await finish([older.id]);
    // A 0 the check never saw (written by hand, or before it existed) reads as a full deployment.
    await db.execute(`update deployment set concurrency_limit = 0 where id = '${d.id}'`);
    expect(await claim(5)).toEqual([]);
    expect((await db.flowRuns.get(newer.id))!.stateType).toBe('SCHEDULED');
  });

  it('a full deployment takes no candidate slot: runs without a deployment are claimed past any backlog', async () => {
    const a = await db.deployments.upsert({ flowId, name: 'a', concurrencyLimit: 2 });
    for (let i = 0; i < 60; i++) await scheduled(a.id, 200 - i);
    const loose = await scheduled(null, 1);
    const first = await claim(3);
    expect(first.map((r) => r.id)).toContain(loose.id);
    expect(first.filter((r) => r.deploymentId === a.id)).toHaveLength(2);
    expect(await claim(3)).toEqual([]);
  });
});
