/**
 * Deleting a work queue, or a pool with its queues, detaches every copy of it: deployments and flow
 * runs keep neither the id nor the name, so runs made from such a deployment afterwards, by
 * createFlowRun or the scheduler alike, have no queue and no name (docs/work.md, "Deleting a queue").
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS, postgresIsServer } from '../support/dialects.js';
import { withPostgresHandles } from '../support/race.js';

const NOW = new Date('2030-01-01T00:00:30Z');

/** A stored name is always the name of the stored queue id, and no id means no name. */
async function expectCopiesAgree(db: Database): Promise<void> {
  const names = new Map((await db.workQueues.list()).map((q) => [q.id, q.name]));
  const rows = [...(await db.deployments.list()), ...(await db.flowRuns.list())];
  for (const row of rows)
    expect(row.workQueueName, row.name).toBe(row.workQueueId ? names.get(row.workQueueId) : null);
}

describe.each(DIALECTS)('deleting a work queue or pool (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  for (const what of ['queue', 'pool'] as const)
    it(`clears the ${what}'s queue id and name on deployments and runs; later runs agree`, async () => {
      await db.workPools.create({ name: 'p' });
      const gpu = await db.workQueues.create({ workPoolName: 'p', name: 'gpu' });
      const d = await db.deployments.upsert({
        flowId,
        name: 'd',
        workPoolName: 'p',
        workQueueName: 'gpu',
        schedules: [{ schedule: { interval: 3600 } }],
      });
      const before = await db.deployments.createFlowRun(d.id, {});
      const done = await db.deployments.createFlowRun(d.id, { state: { type: 'COMPLETED' } });
      if (what === 'queue') await db.workQueues.delete(gpu.id);
      else await db.workPools.delete((await db.workPools.getByName('p'))!.id);
      const dep = await db.deployments.get(d.id);
      expect([dep?.workQueueId, dep?.workQueueName]).toEqual([null, null]);
      for (const id of [before.id, done.id]) {
        const run = await db.flowRuns.get(id);
        expect([run?.workQueueId, run?.workQueueName]).toEqual([null, null]);
      }
      const made = await db.deployments.createFlowRun(d.id, {});
      expect([made.workQueueId, made.workQueueName]).toEqual([null, null]);
      const scheduled = await db.deployments.scheduleDue({ now: NOW });
      expect(scheduled.length).toBeGreaterThan(0);
      for (const r of scheduled) expect([r.workQueueId, r.workQueueName]).toEqual([null, null]);
      const byName = { workQueueName: { any: ['gpu'] } };
      expect(await db.deployments.list({ where: byName })).toEqual([]);
      expect(await db.flowRuns.count({ where: byName })).toBe(0);
      // A new queue of the old name claims nothing of the old one's; moving the deployment there
      // regenerates its future auto-scheduled runs in the new queue.
      if (what === 'pool') await db.workPools.create({ name: 'p' });
      await db.workQueues.create({ workPoolName: 'p', name: 'gpu' });
      await db.deployments.update(d.id, { workPoolName: 'p', workQueueName: 'gpu' });
      await db.deployments.scheduleDue({ now: NOW });
      const claimed = await db.workQueues.claimScheduledRuns({
        workPoolName: 'p',
        scheduledBefore: new Date('2030-01-02T00:00:00Z'),
        limit: 100,
      });
      expect(claimed.length).toBeGreaterThan(0);
      expect(claimed.every((r) => r.workQueueName === 'gpu' && r.autoScheduled)).toBe(true);
      await expectCopiesAgree(db);
    });

  it('keeps ids and names in agreement over any sequence of deploys, runs and deletes (property)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('deploy' as const), queue: fc.nat(3), name: fc.nat(2) }),
      fc.record({ kind: fc.constant('run' as const), name: fc.nat(2) }),
      fc.record({ kind: fc.constant('schedule' as const) }),
      fc.record({ kind: fc.constant('deleteQueue' as const), queue: fc.nat(3) }),
      fc.record({ kind: fc.constant('deletePool' as const), pool: fc.nat(1) }),
      fc.record({ kind: fc.constant('createQueue' as const), queue: fc.nat(3), pool: fc.nat(1) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        await db.close();
        db = await createTestDatabase({ dialect });
        const flow = await db.flows.create({ name: 'f' });
        for (const pool of ['p0', 'p1']) await db.workPools.create({ name: pool });
        const ignore = (e: unknown) => {
          if (!(e instanceof Error) || !/NotFound|Conflict/.test(e.name)) throw e;
        };
        for (const o of ops) {
          const pools = await db.workPools.list();
          const queues = (await db.workQueues.list()).filter((q) => q.name !== 'default');
          const deps = await db.deployments.list();
          const dep = deps[('name' in o ? o.name : 0) % Math.max(deps.length, 1)];
          if (o.kind === 'deploy') {
            const q = queues[o.queue % Math.max(queues.length, 1)];
            await db.deployments
              .upsert({
                flowId: flow.id,
                name: `d${o.name}`,
                schedules: [{ schedule: { interval: 3600 } }],
                ...(q ? { workQueueId: q.id } : {}),
              })
              .catch(ignore);
          } else if (o.kind === 'run' && dep) await db.deployments.createFlowRun(dep.id, {});
          else if (o.kind === 'schedule') await db.deployments.scheduleDue({ now: NOW });
          else if (o.kind === 'deleteQueue' && queues.length)
            await db.workQueues.delete(queues[o.queue % queues.length]!.id);
          else if (o.kind === 'deletePool' && pools.length)
            await db.workPools.delete(pools[o.pool % pools.length]!.id);
          else if (o.kind === 'createQueue' && pools.length)
            await db.workQueues
              .create({ workPoolName: pools[o.pool % pools.length]!.name, name: `q${o.queue}` })
              .catch((e: unknown) => {
                if (!(e instanceof Error) || e.name !== 'ConflictError') throw e;
              });
        }
        await expectCopiesAgree(db);
      }),
      { numRuns: dialect === 'sqlite' ? 30 : 10 },
    );
  });
});

describe('deleting a queue while other handles deploy and run (postgresql)', () => {
  it('leaves no deployment or run with a name and no queue', async () => {
    if (!(await postgresIsServer())) return;
    await withPostgresHandles(3, async (db, handles) => {
      const [deleter, deployer, runner] = handles as [Database, Database, Database];
      const flow = await db.flows.create({ name: 'f' });
      await db.workPools.create({ name: 'p' });
      const d = await db.deployments.upsert({ flowId: flow.id, name: 'd', workPoolName: 'p' });
      for (let i = 1; i <= 8; i++) {
        const q = await db.workQueues.create({ workPoolName: 'p', name: `q${i}` });
        await db.deployments.update(d.id, { workQueueId: q.id });
        await Promise.allSettled([
          deleter.workQueues.delete(q.id),
          deployer.deployments.upsert({ flowId: flow.id, name: `d${i}`, workQueueId: q.id }),
          runner.deployments.createFlowRun(d.id, {}),
          runner.flowRuns.create({ flowId: flow.id, workQueueId: q.id }),
        ]);
      }
      await expectCopiesAgree(db);
    });
  });
});
