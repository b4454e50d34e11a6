// `get(id)` runs a statement prepared once per handle on SQLite (repositories/by-id.ts) and, on
// PostgreSQL, a statement text worked out once per table whose row the table's own decoder reads
// (table-rows.ts): it must read exactly what the repository's other reads read (Drizzle's mapping
// for getByName, the transition's own row for runs), inside and outside a transaction, on both
// dialects.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const labelsArb = fc.option(fc.dictionary(word, word, { maxKeys: 3 }), {
  nil: null,
});
const rowArb = fc.record({
  tags: fc.uniqueArray(word, { maxLength: 3 }),
  labels: labelsArb,
  parameters: fc.dictionary(word, fc.oneof(word, fc.integer(), fc.constant(null)), { maxKeys: 3 }),
  priority: fc.integer({ min: 1, max: 100 }),
});

describe.each(DIALECTS)('get(id) reads what the other reads read (%s)', (dialect) => {
  let db: Database;
  let n = 0;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db.close();
  });

  it('flows, flow runs, task runs, deployments, work pools and work queues', async () => {
    await fc.assert(
      fc.asyncProperty(rowArb, async ({ tags, labels, parameters, priority }) => {
        const name = `n${n++}`;
        const flow = await db.flows.create({ name, tags, labels });
        expect(await db.flows.get(flow.id)).toEqual(await db.flows.getByName(name));
        const run = await db.flowRuns.create({ flowId: flow.id, tags, labels, parameters });
        const { run: moved } = await db.flowRuns.setState(run.id, { type: 'RUNNING' });
        const [listed] = await db.flowRuns.list({ where: { id: { any: [run.id] } } });
        const read = await db.flowRuns.get(run.id);
        // Estimates are computed at each read's own clock.
        expect({ ...read, estimatedRunTime: 0 }).toEqual({ ...listed, estimatedRunTime: 0 });
        expect({ ...read, estimatedRunTime: 0 }).toEqual({ ...moved, estimatedRunTime: 0 });
        const task = await db.taskRuns.create({ flowRunId: run.id, taskKey: name, dynamicKey: '0', tags });
        const [listedTask] = await db.taskRuns.list({ where: { id: { any: [task.id] } } });
        expect(await db.taskRuns.get(task.id)).toEqual(listedTask);
        const deployment = await db.deployments.upsert({ flowId: flow.id, name, tags, parameters });
        expect(await db.deployments.get(deployment.id)).toEqual(await db.deployments.getByName(name, name));
        const pool = await db.workPools.create({ name, baseJobTemplate: parameters });
        expect(await db.workPools.get(pool.id)).toEqual(await db.workPools.getByName(name));
        const queue = await db.workQueues.create({ workPoolName: name, name, priority });
        expect(await db.workQueues.get(queue.id)).toEqual(await db.workQueues.getByName(name, name));
      }),
      { numRuns: 15 },
    );
  });

  it('inside a transaction: its own uncommitted rows, on tx and on db; gone after a rollback', async () => {
    let id = '';
    await expect(
      db.transaction(async (tx) => {
        const flow = await tx.flows.create({ name: 'in-tx', labels: { a: 'b' } });
        id = flow.id;
        expect(await tx.flows.get(id)).toEqual(flow);
        expect(await db.flows.get(id)).toEqual(flow);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.flows.get(id)).toBeNull();
  });
});
