/**
 * Tag lists are stored without repeats, each tag where it first appears (docs/repositories.md
 * "Tags"), for every entity with tags, on both dialects; tag filters and tag concurrency limits
 * see the same set as before.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

/** Few distinct tags, so that repeats are common. */
const tagList = fc.array(fc.constantFrom('a', 'b', 'c', 'A', 'a ', 'é'), { maxLength: 12 });
const firstOccurrences = (list: string[]) => list.filter((t, i) => list.indexOf(t) === i);

describe.each(DIALECTS)('duplicate tags (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let runId: string;
  let deploymentId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
    runId = (await db.flowRuns.create({ flowId })).id;
    deploymentId = (await db.deployments.upsert({ flowId, name: 'd' })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  /** Each writer of a tag list, returning the tags as read back. */
  const writers: [string, (tags: string[]) => Promise<string[]>][] = [
    ['flows.create', async (tags) => (await db.flows.create({ name: `f${Math.random()}`, tags })).tags],
    ['flows.update', async (tags) => (await db.flows.update(flowId, { tags })).tags],
    [
      'flowRuns.create',
      async (tags) => (await db.flowRuns.get((await db.flowRuns.create({ flowId, tags })).id))!.tags,
    ],
    ['flowRuns.update', async (tags) => (await db.flowRuns.update(runId, { tags })).tags],
    [
      'taskRuns.create',
      async (tags) =>
        (await db.taskRuns.create({ flowRunId: runId, taskKey: 'k', dynamicKey: `${Math.random()}`, tags }))
          .tags,
    ],
    ['deployments.upsert', async (tags) => (await db.deployments.upsert({ flowId, name: 'd', tags })).tags],
    ['deployments.update', async (tags) => (await db.deployments.update(deploymentId, { tags })).tags],
  ];

  it('every writer stores the first occurrence of each tag, in order', async () => {
    await fc.assert(
      fc.asyncProperty(tagList, fc.integer({ min: 0, max: writers.length - 1 }), async (tags, i) => {
        const [method, write] = writers[i]!;
        expect(await write(tags), method).toEqual(firstOccurrences(tags));
      }),
      { numRuns: 120 },
    );
  });

  it('createFlowRun from a deployment unites its tags with the given ones, once each', async () => {
    await db.deployments.update(deploymentId, { tags: ['x', 'y', 'x'] });
    const run = await db.deployments.createFlowRun(deploymentId, { tags: ['y', 'z', 'z'] });
    expect(run.tags).toEqual(['x', 'y', 'z']);
  });

  it('tag filters and tag limits see the tags once', async () => {
    const flow = await db.flows.create({ name: 'tagged', tags: ['etl', 'etl', 'nightly'] });
    expect((await db.flows.list({ where: { tags: { all: ['etl', 'etl'] } } })).map((f) => f.id)).toContain(
      flow.id,
    );
    expect(await db.flows.count({ where: { tags: { any: ['nightly', 'nightly'] } } })).toBe(1);

    await db.concurrencyLimits.create({ tag: 'db', limit: 1 });
    const task = await db.taskRuns.create({
      flowRunId: runId,
      taskKey: 't',
      dynamicKey: '0',
      tags: ['db', 'db'],
    });
    expect(task.tags).toEqual(['db']);
    expect((await db.concurrencyLimits.acquire({ taskRunId: task.id, tags: task.tags })).acquired).toBe(true);
    const limit = await db.concurrencyLimits.getByTag('db');
    expect(limit?.activeSlots).toBe(1);
    expect(limit?.taskRunIds).toEqual([task.id]);
    await db.concurrencyLimits.release({ taskRunId: task.id, tags: ['db', 'db'] });
    expect((await db.concurrencyLimits.getByTag('db'))?.activeSlots).toBe(0);
  });
});
