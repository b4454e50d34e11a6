/**
 * Names that identify an entity (and tags, tag limits' tags, slugs, pool types, task keys, state names) refuse
 * white space and invisible characters only (docs/repositories.md "Names and indexed
 * text"): every create, update and lookup that takes such a name, on both dialects, is a
 * ValidationError naming the field and writes nothing; names with spaces around visible characters
 * are kept as given.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { dumpAll } from '../validation/support/harness.js';
import { blankName } from '../validation/support/text.js';

describe.each(DIALECTS)('blank entity names are refused (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let runId: string;
  let typeId: string;
  let schemaId: string;
  let taskRunId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
    runId = (await db.flowRuns.create({ flowId })).id;
    taskRunId = (await db.taskRuns.create({ flowRunId: runId, taskKey: 't', dynamicKey: '0' })).id;
    await db.concurrencyLimits.create({ tag: 'etl', limit: 1 });
    await db.workPools.create({ name: 'pool' });
    await db.workQueues.create({ workPoolName: 'pool', name: 'q' });
    typeId = (await db.blockTypes.upsert({ slug: 't', name: 'T' })).id;
    schemaId = (await db.blockSchemas.create({ blockTypeId: typeId, fields: {} })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  /** Each call with the blank name `b`, and the field its message must name. */
  const calls: [string, (b: string) => Promise<unknown>][] = [
    ['name', (b) => db.flows.create({ name: b })],
    ['tags', (b) => db.flows.create({ name: 'tagged', tags: ['etl', b] })],
    ['tags', (b) => db.flowRuns.update(runId, { tags: [b] })],
    ['name', (b) => db.flowRuns.setState(runId, { type: 'PENDING', name: b })],
    ['taskKey', (b) => db.taskRuns.create({ flowRunId: runId, taskKey: b, dynamicKey: '0' })],
    ['type', (b) => db.workPools.create({ name: 'typed', type: b })],
    [
      'slug',
      (b) =>
        db.deployments.upsert({ flowId, name: 'd', schedules: [{ schedule: { interval: 60 }, slug: b }] }),
    ],
    ['flow name', (b) => db.flows.getByName(b)],
    ['name', (b) => db.flowRuns.create({ flowId, name: b })],
    ['name', (b) => db.flowRuns.update(runId, { name: b })],
    ['name', (b) => db.taskRuns.create({ flowRunId: runId, taskKey: 'k', dynamicKey: '0', name: b })],
    ['name', (b) => db.deployments.upsert({ flowId, name: b })],
    ['workPoolName', (b) => db.deployments.upsert({ flowId, name: 'd', workPoolName: b })],
    ['workQueueName', (b) => db.deployments.upsert({ flowId, name: 'd', workQueueName: b })],
    ['name', (b) => db.workPools.create({ name: b })],
    ['name', (b) => db.workQueues.create({ workPoolName: 'pool', name: b })],
    ['workPoolName', (b) => db.workQueues.create({ workPoolName: b, name: 'q2' })],
    ['name', (b) => db.workers.heartbeat({ workPoolName: 'pool', name: b })],
    [
      'workQueueNames',
      (b) => db.workQueues.claimScheduledRuns({ workPoolName: 'pool', workQueueNames: [b], limit: 1 }),
    ],
    ['name', (b) => db.globalConcurrencyLimits.create({ name: b, limit: 1 })],
    ['names', (b) => db.globalConcurrencyLimits.acquire({ names: [b], slots: 1 })],
    ['tag', (b) => db.concurrencyLimits.create({ tag: b, limit: 1 })],
    ['concurrency limit tag', (b) => db.concurrencyLimits.getByTag(b)],
    ['concurrency limit tag', (b) => db.concurrencyLimits.reset(b)],
    ['concurrency limit tag', (b) => db.concurrencyLimits.listLeases(b)],
    ['tags', (b) => db.concurrencyLimits.acquire({ taskRunId, tags: ['etl', b] })],
    ['tags', (b) => db.concurrencyLimits.release({ taskRunId, tags: [b] })],
    ['slug', (b) => db.blockTypes.upsert({ slug: b, name: 'N' })],
    ['name', (b) => db.blockTypes.upsert({ slug: 'n', name: b })],
    [
      'name',
      (b) => db.blockDocuments.create({ name: b, blockTypeId: typeId, blockSchemaId: schemaId, data: {} }),
    ],
  ];

  it('every entity name refuses white space and invisible characters only, naming the field, writing nothing', async () => {
    const before = await dumpAll(db);
    await fc.assert(
      fc.asyncProperty(blankName, fc.integer({ min: 0, max: calls.length - 1 }), async (blank, i) => {
        const [field, call] = calls[i]!;
        const error = await call(blank).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `${i}: ${JSON.stringify(blank)}`).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toContain(field);
        expect((error as Error).message).toContain('must not be blank');
      }),
      { numRuns: 150 },
    );
    for (const [, call] of calls) await expect(call(' ')).rejects.toBeInstanceOf(ValidationError);
    expect(await dumpAll(db)).toBe(before);
  });

  it('spaces around visible characters are kept as given', async () => {
    const flow = await db.flows.create({ name: '  etl  ' });
    expect(flow.name).toBe('  etl  ');
    expect((await db.flows.getByName('  etl  '))?.id).toBe(flow.id);
    expect(await db.flows.getByName('etl')).toBeNull();
    const pool = await db.workPools.create({ name: '\tp 1\n' });
    expect((await db.workPools.getByName('\tp 1\n'))?.id).toBe(pool.id);
    // Invisible characters beside visible ones are part of the name (an emoji joined by U+200D).
    const coder = await db.flows.create({ name: '\u{1F469}\u200d\u{1F4BB}', tags: ['\u200bx'] });
    expect((await db.flows.getByName('\u{1F469}\u200d\u{1F4BB}'))?.id).toBe(coder.id);
    expect(coder.tags).toEqual(['\u200bx']);
  });
});
