// Lists decode their rows with a decoder of their own (repositories/table-rows.ts), `get` and the
// writes with Drizzle's mapping (or by-id.ts on SQLite): each listed object must be the one the
// other read returns, key for key and in the same key order (JSON output is compared byte for byte
// by callers), Dates as Dates, JSON documents parsed, nulls kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

/** The same object: same keys in the same order, same values (Dates by time). */
function same(listed: object | undefined, read: object | null | undefined) {
  expect(listed).toBeDefined();
  expect(Object.keys(listed!)).toEqual(Object.keys(read!));
  expect(listed).toStrictEqual(read);
  expect(JSON.stringify(listed)).toBe(JSON.stringify(read));
}

describe.each(DIALECTS)('lists read the rows other reads read (%s)', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db.close();
  });

  it('flows, runs, deployments, work pools, workers and limits', async () => {
    const labels = { team: 'a', 'b-c': 'd' };
    const flow = await db.flows.create({ name: 'f', tags: ['x', 'y'], labels });
    same((await db.flows.list())[0], await db.flows.get(flow.id));
    const parameters = { z: 1, a: 'two', n: null, nested: { b: [1, '2'] } };
    const run = await db.flowRuns.create({ flowId: flow.id, tags: ['t'], labels, parameters });
    const running = (await db.flowRuns.setState(run.id, { type: 'COMPLETED' })).run;
    same((await db.flowRuns.list())[0], running);
    // The sort key is not part of the shape, whichever sort read the run.
    const [byStart] = await db.flowRuns.list({ sort: 'START_TIME_DESC' });
    expect(byStart).not.toHaveProperty('startTimeOrExpected');
    same(byStart, await db.flowRuns.get(run.id));
    const task = await db.taskRuns.create({ flowRunId: run.id, taskKey: 'k', dynamicKey: '0', tags: ['t'] });
    same((await db.taskRuns.list())[0], await db.taskRuns.get(task.id));
    const deployment = await db.deployments.upsert({ flowId: flow.id, name: 'd', tags: ['q'], parameters });
    same((await db.deployments.list())[0], await db.deployments.get(deployment.id));
    const pool = await db.workPools.create({ name: 'p', baseJobTemplate: parameters });
    same((await db.workPools.list())[0], await db.workPools.get(pool.id));
    const worker = await db.workers.heartbeat({ workPoolName: 'p', name: 'w', heartbeatIntervalSeconds: 10 });
    same((await db.workers.list('p'))[0], worker);
    const limit = await db.globalConcurrencyLimits.create({ name: 'cap', limit: 2 });
    same((await db.globalConcurrencyLimits.list())[0], await db.globalConcurrencyLimits.get(limit.id));
    const tagLimit = await db.concurrencyLimits.create({ tag: 'db', limit: 1 });
    same((await db.concurrencyLimits.list())[0], await db.concurrencyLimits.get(tagLimit.id));
  });
});
