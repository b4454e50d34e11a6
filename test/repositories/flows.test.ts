import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, NotFoundError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('db.flows (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it('creates a flow, and returns the existing one for the same name', async () => {
    const flow = await db.flows.create({ name: 'etl', tags: ['x'], labels: { team: 'data' } });
    expect(flow).toMatchObject({ name: 'etl', tags: ['x'], labels: { team: 'data' } });
    expect(flow.created).toBeInstanceOf(Date);
    const again = await db.flows.create({ name: 'etl', tags: ['other'] });
    expect(again).toEqual(flow);
    expect(await db.flows.count()).toBe(1);
  });

  it('reads by id and by name; missing ones are null', async () => {
    const flow = await db.flows.create({ name: 'etl' });
    expect(await db.flows.get(flow.id.toUpperCase())).toEqual(flow);
    expect(await db.flows.getByName('etl')).toEqual(flow);
    expect(await db.flows.get('0190a1b2-c3d4-7e5f-8a9b-000000000000')).toBeNull();
    expect(await db.flows.getByName('nope')).toBeNull();
  });

  it('lists with filters, the four sorts (ties broken by id), limit and offset', async () => {
    for (const name of ['delta', 'Alpha', 'charlie', 'bravo_1'])
      await db.flows.create({ name, tags: name === 'delta' ? ['t'] : [] });
    const names = async (o: Parameters<Database['flows']['list']>[0]) =>
      (await db.flows.list(o)).map((f) => f.name);
    expect(await names({})).toEqual(['Alpha', 'bravo_1', 'charlie', 'delta']);
    expect(await names({ sort: 'NAME_DESC' })).toEqual(['delta', 'charlie', 'bravo_1', 'Alpha']);
    expect(await names({ sort: 'CREATED_DESC' })).toEqual(['bravo_1', 'charlie', 'Alpha', 'delta']);
    expect(await names({ sort: 'NAME_ASC', limit: 2, offset: 1 })).toEqual(['bravo_1', 'charlie']);
    expect(await names({ where: { name: { like: 'ALP' } } })).toEqual(['Alpha']);
    expect(await names({ where: { name: { like: 'o_' } } })).toEqual(['bravo_1']);
    expect(await names({ where: { name: { startsWith: 'c' } } })).toEqual(['charlie']);
    expect(await names({ where: { tags: { all: ['t'] } } })).toEqual(['delta']);
    expect(await names({ where: { tags: { isNull: true } } })).toHaveLength(3);
    expect(await names({ where: { name: { any: [] } } })).toEqual([]);
    expect(await db.flows.count({ where: { name: { any: ['delta', 'charlie'] } } })).toBe(2);
  });

  it('updates tags and labels; a missing flow is NotFoundError', async () => {
    const flow = await db.flows.create({ name: 'etl' });
    const updated = await db.flows.update(flow.id, { tags: ['a', 'b'] });
    expect(updated.tags).toEqual(['a', 'b']);
    expect(updated.updated.getTime()).toBeGreaterThanOrEqual(flow.updated.getTime());
    await expect(
      db.flows.update('0190a1b2-c3d4-7e5f-8a9b-000000000000', { tags: [] }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes a flow with its runs and their task runs and states', async () => {
    const flow = await db.flows.create({ name: 'etl' });
    const run = await db.flowRuns.create({ flowId: flow.id, state: { type: 'RUNNING' } });
    const task = await db.taskRuns.create({
      flowRunId: run.id,
      taskKey: 't',
      dynamicKey: '0',
      state: { type: 'PENDING' },
    });
    await db.flows.delete(flow.id);
    expect(await db.flows.get(flow.id)).toBeNull();
    expect(await db.flowRuns.get(run.id)).toBeNull();
    expect(await db.taskRuns.get(task.id)).toBeNull();
    expect(await db.execute('select id from flow_run_state')).toEqual([]);
    expect(await db.execute('select id from task_run_state')).toEqual([]);
    await expect(db.flows.delete(flow.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('works inside db.transaction and rolls back with it', async () => {
    await expect(
      db.transaction(async (tx) => {
        const flow = await tx.flows.create({ name: 'inside' });
        await tx.flowRuns.create({ flowId: flow.id, state: { type: 'SCHEDULED' } });
        expect(await db.flowRuns.count()).toBe(1);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await db.flows.count()).toBe(0);
    expect(await db.flowRuns.count()).toBe(0);
  });
});
