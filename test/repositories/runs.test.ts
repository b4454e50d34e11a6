import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, NotFoundError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const MISSING = '0190a1b2-c3d4-7e5f-8a9b-000000000000';

describe.each(DIALECTS)('db.flowRuns and db.taskRuns (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'etl' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  it('creates flow runs with generated two-word names and stores JSON verbatim', async () => {
    const run = await db.flowRuns.create({
      flowId,
      parameters: { nested: { list: [1, 'two', null], flag: true } },
      createdBy: { id: null, type: 'USER', displayValue: 'ann' },
      tags: ['x'],
    });
    expect(run.name).toMatch(/^[a-z]+-[a-z]+$/);
    expect(run.parameters).toEqual({ nested: { list: [1, 'two', null], flag: true } });
    expect(run.createdBy).toEqual({ id: null, type: 'USER', displayValue: 'ann' });
    expect(run).toMatchObject({
      stateId: null,
      stateType: null,
      runCount: 0,
      totalRunTime: 0,
      autoScheduled: false,
    });
    expect(await db.flowRuns.get(run.id)).toEqual({
      ...run,
      estimatedRunTime: 0,
      estimatedStartTimeDelta: 0,
    });
  });

  it('is idempotent on flow + idempotencyKey', async () => {
    const a = await db.flowRuns.create({ flowId, idempotencyKey: 'k', state: { type: 'SCHEDULED' } });
    const b = await db.flowRuns.create({ flowId, idempotencyKey: 'k', state: { type: 'RUNNING' } });
    expect(b.id).toBe(a.id);
    expect(b.stateType).toBe('SCHEDULED');
    const other = await db.flows.create({ name: 'other' });
    expect((await db.flowRuns.create({ flowId: other.id, idempotencyKey: 'k' })).id).not.toBe(a.id);
    expect(await db.flowRuns.count()).toBe(2);
  });

  it('refuses references to missing rows with NotFoundError, writing nothing', async () => {
    await expect(db.flowRuns.create({ flowId: MISSING })).rejects.toMatchObject({
      entity: 'flow',
      id: MISSING,
    });
    await expect(db.flowRuns.create({ flowId, workQueueId: MISSING })).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.flowRuns.create({ flowId, parentTaskRunId: MISSING })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      db.taskRuns.create({ flowRunId: MISSING, taskKey: 'k', dynamicKey: '0' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.flowRuns.count()).toBe(0);
    expect(await db.taskRuns.count()).toBe(0);
  });

  it('throws NotFoundError for update, delete, setState and states on a missing run', async () => {
    for (const repo of [db.flowRuns, db.taskRuns] as const) {
      await expect(repo.update(MISSING, { tags: [] })).rejects.toBeInstanceOf(NotFoundError);
      await expect(repo.delete(MISSING)).rejects.toBeInstanceOf(NotFoundError);
      await expect(repo.setState(MISSING, { type: 'RUNNING' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(repo.states(MISSING)).rejects.toBeInstanceOf(NotFoundError);
      expect(await repo.get(MISSING)).toBeNull();
    }
  });

  it('updates a flow run and deletes it with its states and task runs', async () => {
    const run = await db.flowRuns.create({ flowId, state: { type: 'PENDING' } });
    const updated = await db.flowRuns.update(run.id, { tags: ['t'], parameters: { a: 1 }, flowVersion: '2' });
    expect(updated).toMatchObject({
      tags: ['t'],
      parameters: { a: 1 },
      flowVersion: '2',
      stateType: 'PENDING',
    });
    await db.taskRuns.create({ flowRunId: run.id, taskKey: 'k', dynamicKey: '0' });
    await db.flowRuns.delete(run.id);
    expect(await db.flowRuns.get(run.id)).toBeNull();
    expect(await db.taskRuns.count()).toBe(0);
    expect(await db.execute('select id from flow_run_state')).toEqual([]);
  });

  it('filters flow runs through their deployment, work pool and work queue', async () => {
    await db.workPools.create({ name: 'k8s', type: 'kubernetes' });
    const queue = await db.workQueues.create({ workPoolName: 'k8s', name: 'gpu' });
    const deployment = await db.deployments.upsert({
      flowId,
      name: 'nightly',
      tags: ['prod'],
      workPoolName: 'k8s',
      workQueueName: 'gpu',
    });
    const attached = await db.flowRuns.create({
      flowId,
      deploymentId: deployment.id,
      workQueueId: queue.id,
      workQueueName: 'gpu',
    });
    await db.flowRuns.create({ flowId });
    const ids = async (query: Parameters<Database['flowRuns']['list']>[0]) =>
      (await db.flowRuns.list(query)).map((r) => r.id);
    expect(await ids({ deployment: { name: { any: ['nightly'] } } })).toEqual([attached.id]);
    expect(await ids({ deployment: { tags: { all: ['prod'] } } })).toEqual([attached.id]);
    expect(await ids({ workPool: { type: { any: ['kubernetes'] } } })).toEqual([attached.id]);
    expect(await ids({ workPool: { name: { like: 'K8' } } })).toEqual([attached.id]);
    expect(await ids({ workQueue: { name: { any: ['gpu'] } } })).toEqual([attached.id]);
    expect(await db.flowRuns.count({ workQueue: { name: { any: ['default'] } } })).toBe(0);
    expect(await db.flowRuns.countByState({ deployment: { id: { any: [deployment.id] } } })).toMatchObject({
      SCHEDULED: 0,
    });
  });

  it('creates task runs idempotently, inside a flow run and as background tasks', async () => {
    const run = await db.flowRuns.create({ flowId });
    const a = await db.taskRuns.create({ flowRunId: run.id, taskKey: 'extract', dynamicKey: '0' });
    expect((await db.taskRuns.create({ flowRunId: run.id, taskKey: 'extract', dynamicKey: '0' })).id).toBe(
      a.id,
    );
    expect(
      (await db.taskRuns.create({ flowRunId: run.id, taskKey: 'extract', dynamicKey: '1' })).id,
    ).not.toBe(a.id);
    const bg = await db.taskRuns.create({
      taskKey: 'extract',
      dynamicKey: '0',
      state: { type: 'SCHEDULED' },
    });
    expect(bg.flowRunId).toBeNull();
    expect(bg.id).not.toBe(a.id);
    expect((await db.taskRuns.create({ flowRunId: null, taskKey: 'extract', dynamicKey: '0' })).id).toBe(
      bg.id,
    );
    expect(await db.taskRuns.count()).toBe(3);
    expect(await db.taskRuns.count({ where: { flowRunId: { isNull: true } } })).toBe(1);
    const { state } = await db.taskRuns.setState(bg.id, { type: 'RUNNING' });
    expect(state.stateDetails).toEqual({ taskRunId: bg.id });
  });

  it('lists, sorts, counts and counts by state for task runs', async () => {
    const run = await db.flowRuns.create({ flowId });
    const t0 = new Date(Date.UTC(2026, 0, 1));
    for (let i = 0; i < 4; i++) {
      await db.taskRuns.create({
        flowRunId: run.id,
        taskKey: `task-${i}`,
        dynamicKey: '0',
        name: `n${3 - i}`,
        state: { type: i % 2 ? 'RUNNING' : 'COMPLETED', timestamp: new Date(t0.getTime() + i * 1000) },
      });
    }
    const names = (await db.taskRuns.list({ sort: 'NAME_ASC' })).map((t) => t.name);
    expect(names).toEqual(['n0', 'n1', 'n2', 'n3']);
    const byStart = (await db.taskRuns.list({ sort: 'START_TIME_DESC', limit: 2 })).map((t) => t.taskKey);
    expect(byStart).toEqual(['task-3', 'task-2']);
    expect(await db.taskRuns.countByState({ where: { flowRunId: { any: [run.id] } } })).toMatchObject({
      RUNNING: 2,
      COMPLETED: 2,
      FAILED: 0,
    });
    expect(await db.taskRuns.count({ where: { state: { type: { any: ['RUNNING'] } } } })).toBe(2);
    const updated = await db.taskRuns.update((await db.taskRuns.list({ limit: 1 }))[0]!.id, { tags: ['x'] });
    expect(updated.tags).toEqual(['x']);
    await db.taskRuns.delete(updated.id);
    expect(await db.taskRuns.count()).toBe(3);
  });
});
