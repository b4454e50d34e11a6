/**
 * A work queue's rename reaches every copy of its name (deployment.work_queue_name and
 * flow_run.work_queue_name, terminal runs too) in the rename's transaction, and runs made from a
 * deployment afterwards take the new name (docs/work.md, "Renaming a queue").
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS, postgresIsServer } from '../support/dialects.js';
import { withPostgresHandles } from '../support/race.js';

/** Every deployment and run that points at a queue carries that queue's name. */
async function expectNamesAgree(db: Database): Promise<void> {
  const names = new Map((await db.workQueues.list()).map((q) => [q.id, q.name]));
  for (const d of await db.deployments.list())
    if (d.workQueueId) expect(d.workQueueName, `deployment ${d.name}`).toBe(names.get(d.workQueueId));
  for (const r of await db.flowRuns.list())
    if (r.workQueueId) expect(r.workQueueName, `run ${r.name}`).toBe(names.get(r.workQueueId));
}

describe.each(DIALECTS)('renaming a work queue (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it('carries the new name to its deployments, their runs (finished ones too) and later runs', async () => {
    const flow = await db.flows.create({ name: 'f' });
    await db.workPools.create({ name: 'p' });
    const q = await db.workQueues.create({ workPoolName: 'p', name: 'q1' });
    const other = await db.workQueues.create({ workPoolName: 'p', name: 'other' });
    const d = await db.deployments.upsert({
      flowId: flow.id,
      name: 'd',
      workPoolName: 'p',
      workQueueName: 'q1',
    });
    const before = await db.deployments.createFlowRun(d.id, {});
    const done = await db.deployments.createFlowRun(d.id, { state: { type: 'COMPLETED' } });
    const elsewhere = await db.flowRuns.create({ flowId: flow.id, workQueueId: other.id });
    await db.workQueues.update(q.id, { name: 'q2' });
    expect((await db.deployments.get(d.id))?.workQueueName).toBe('q2');
    const after = await db.deployments.createFlowRun(d.id, {});
    expect(after.workQueueName).toBe('q2');
    expect((await db.flowRuns.get(before.id))?.workQueueName).toBe('q2');
    expect((await db.flowRuns.get(done.id))?.workQueueName).toBe('q2');
    expect((await db.flowRuns.get(elsewhere.id))?.workQueueName).toBe('other');
    const byName = { workQueueName: { any: ['q2'] } };
    expect((await db.flowRuns.list({ where: byName })).map((r) => r.id).sort()).toEqual(
      [before.id, done.id, after.id].sort(),
    );
    expect((await db.deployments.list({ where: byName })).map((x) => x.id)).toEqual([d.id]);
    expect(await db.flowRuns.count({ where: { workQueueName: { any: ['q1'] } } })).toBe(0);
  });

  it('gives a run created or moved with a queue id and no name the queue name', async () => {
    const flow = await db.flows.create({ name: 'f' });
    const pool = await db.workPools.create({ name: 'p' });
    const run = await db.flowRuns.create({ flowId: flow.id, workQueueId: pool.defaultQueueId! });
    expect(run.workQueueName).toBe('default');
    const other = await db.workQueues.create({ workPoolName: 'p', name: 'other' });
    expect((await db.flowRuns.update(run.id, { workQueueId: other.id })).workQueueName).toBe('other');
    expect((await db.flowRuns.update(run.id, { workQueueId: null })).workQueueName).toBeNull();
  });

  it('rolls the copies back with a rename that fails', async () => {
    const flow = await db.flows.create({ name: 'f' });
    await db.workPools.create({ name: 'p' });
    const q = await db.workQueues.create({ workPoolName: 'p', name: 'q1' });
    await db.workQueues.create({ workPoolName: 'p', name: 'taken' });
    const d = await db.deployments.upsert({
      flowId: flow.id,
      name: 'd',
      workPoolName: 'p',
      workQueueName: 'q1',
    });
    await expect(db.workQueues.update(q.id, { name: 'taken' })).rejects.toMatchObject({
      constraint: 'uq_work_queue__work_pool_id_name',
    });
    expect((await db.deployments.get(d.id))?.workQueueName).toBe('q1');
  });
});

const op = fc.oneof(
  fc.record({
    kind: fc.constant('rename' as const),
    queue: fc.nat(1),
    name: fc.constantFrom('a', 'b', 'c', 'd'),
  }),
  fc.record({ kind: fc.constant('deploy' as const), dep: fc.nat(1), queue: fc.nat(1) }),
  fc.record({ kind: fc.constant('run' as const), dep: fc.nat(1) }),
);

describe.each(DIALECTS)('queue names model (%s)', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db.close();
  });

  it('keeps every copy equal to its queue name over random renames, deploys and runs', async () => {
    const flow = await db.flows.create({ name: 'f' });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const pool = `p${round++}`;
        await db.workPools.create({ name: pool });
        const queues = [
          await db.workQueues.create({ workPoolName: pool, name: 'x' }),
          await db.workQueues.create({ workPoolName: pool, name: 'y' }),
        ];
        const deps: (string | undefined)[] = [];
        for (const o of ops) {
          if (o.kind === 'rename') {
            await db.workQueues.update(queues[o.queue]!.id, { name: o.name }).catch((e) => {
              // Two queues of one pool cannot share a name.
              expect(e).toMatchObject({ constraint: 'uq_work_queue__work_pool_id_name' });
            });
          } else if (o.kind === 'deploy') {
            const d = await db.deployments.upsert({
              flowId: flow.id,
              name: `${pool}-${o.dep}`,
              workQueueId: queues[o.queue]!.id,
            });
            deps[o.dep] = d.id;
          } else if (deps[o.dep]) {
            await db.deployments.createFlowRun(deps[o.dep]!, {});
          }
        }
        await expectNamesAgree(db);
      }),
      { numRuns: 25 },
    );
  });
});

describe('renaming a work queue while other handles deploy and run (postgresql)', () => {
  it('leaves no copy with the old name', async () => {
    if (!(await postgresIsServer())) return;
    await withPostgresHandles(4, async (db, handles) => {
      const flow = await db.flows.create({ name: 'f' });
      await db.workPools.create({ name: 'p' });
      const q = await db.workQueues.create({ workPoolName: 'p', name: 'n0' });
      const d = await db.deployments.upsert({ flowId: flow.id, name: 'd', workQueueId: q.id });
      for (let i = 1; i <= 10; i++) {
        const [renamer, deployer, runner, updater] = handles as [Database, Database, Database, Database];
        await Promise.all([
          renamer.workQueues.update(q.id, { name: `n${i}` }),
          deployer.deployments.upsert({ flowId: flow.id, name: `d${i}`, workQueueId: q.id }),
          runner.deployments.createFlowRun(d.id, {}),
          updater.deployments.update(d.id, { description: `v${i}` }),
        ]);
      }
      await expectNamesAgree(db);
    });
  });
});
