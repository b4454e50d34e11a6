import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
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
      concurrencyLimit: 0,
      concurrencyOptions: { collisionStrategy: 'CANCEL_NEW' },
    });
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
