/**
 * A flow run's `workQueueName` is the name of its `workQueueId` (docs/work.md "Renaming a queue"),
 * on both dialects: flowRuns.create and update given a queue take its name, refuse another one with
 * a ValidationError naming `workQueueName` (nothing written), and keep a name given without a queue.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { dumpAll } from '../validation/support/harness.js';

/** A queue by index (none: -1) and a name: absent, null, one of the queues' names or another. */
const pair = fc.record({
  queue: fc.constantFrom(-1, 0, 1),
  name: fc.constantFrom<string | null | undefined>(undefined, null, 'q0', 'q1', 'elsewhere'),
});

describe.each(DIALECTS)('flow run queue names (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  const queueIds: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
    await db.workPools.create({ name: 'p' });
    for (const name of ['q0', 'q1'])
      queueIds.push((await db.workQueues.create({ workPoolName: 'p', name })).id);
  });
  afterAll(async () => {
    await db.close();
  });

  /** What a pair stores: the queue's name with a queue (the given one must match), else the given name. */
  const expected = ({ queue, name }: { queue: number; name: string | null | undefined }) => {
    if (queue < 0) return { ok: true, name: name ?? null };
    const own = `q${queue}`;
    return { ok: name === undefined || name === own, name: own };
  };
  const input = ({ queue, name }: { queue: number; name: string | null | undefined }) => ({
    ...(queue >= 0 ? { workQueueId: queueIds[queue]! } : {}),
    ...(name !== undefined ? { workQueueName: name } : {}),
  });

  /** A mismatch: a ValidationError naming the field, and the database as it was. */
  const expectRefused = async (result: unknown, before: string) => {
    expect(result).toBeInstanceOf(ValidationError);
    expect((result as Error).message).toContain('workQueueName');
    expect(await dumpAll(db)).toBe(before);
  };

  it('create stores the queue name of the id, and refuses another one writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(pair, async (p) => {
        const want = expected(p);
        const before = await dumpAll(db);
        const result = await db.flowRuns.create({ flowId, ...input(p) }).then(
          (run) => run,
          (e: unknown) => e,
        );
        if (!want.ok) return expectRefused(result, before);
        const run = result as { id: string };
        const got = await db.flowRuns.get(run.id);
        expect(got?.workQueueName).toBe(want.name);
        expect(got?.workQueueId).toBe(p.queue >= 0 ? queueIds[p.queue] : null);
      }),
      { numRuns: 60 },
    );
  });

  it('update keeps the pair consistent: a queue brings its name, a name alone must be the queue’s', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(-1, 0, 1), pair, async (start, p) => {
        const run = await db.flowRuns.create({ flowId, ...input({ queue: start, name: undefined }) });
        const before = await dumpAll(db);
        const patch = input(p);
        // A name alone is checked against the queue the run is in, if any.
        const queue = patch.workQueueId !== undefined ? p.queue : start;
        const want =
          patch.workQueueId === undefined && p.queue < 0 && start < 0
            ? { ok: true, name: p.name === undefined ? null : p.name }
            : patch.workQueueId === undefined && p.name === undefined
              ? { ok: true, name: start < 0 ? null : `q${start}` }
              : expected({ queue, name: p.name });
        const result = await db.flowRuns.update(run.id, patch).then(
          (r) => r,
          (e: unknown) => e,
        );
        if (!want.ok) return expectRefused(result, before);
        expect((await db.flowRuns.get(run.id))?.workQueueName).toBe(want.name);
      }),
      { numRuns: 60 },
    );
  });

  it('detaching clears the name unless one is given', async () => {
    const run = await db.flowRuns.create({ flowId, workQueueId: queueIds[0]! });
    expect((await db.flowRuns.update(run.id, { workQueueId: null })).workQueueName).toBeNull();
    const other = await db.flowRuns.create({ flowId, workQueueId: queueIds[0]! });
    expect(
      (await db.flowRuns.update(other.id, { workQueueId: null, workQueueName: 'legacy' })).workQueueName,
    ).toBe('legacy');
  });
});
