/**
 * `empiricalPolicy` on flow and task runs is checked against the EmpiricalPolicy type at run time
 * (create, update, createFlowRun): a bad member is a ValidationError naming it, and nothing is written.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const BAD: [Record<string, unknown>, string][] = [
  [{ retryType: 'bogus' }, "empiricalPolicy.retryType: must be 'in_process', 'reschedule' or null"],
  [{ retries: -1 }, 'empiricalPolicy.retries: must be a whole number, 0 or more, or null'],
  [{ retries: 1.5 }, 'empiricalPolicy.retries: must be a whole number'],
  [{ retryDelaySeconds: 'soon' }, 'empiricalPolicy.retryDelaySeconds: must be a number of seconds'],
  [
    { retryDelaySeconds: [1, -2] },
    'empiricalPolicy.retryDelaySeconds[1]: must be a number of seconds, 0 or more',
  ],
  [{ resuming: 'yes' }, 'empiricalPolicy.resuming: must be true or false'],
  [{ pauseKeys: [1] }, 'empiricalPolicy.pauseKeys[0]: must be a list of strings'],
];

describe.each(DIALECTS)('empiricalPolicy at run time (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  it.each(BAD)('refuses %j on flow and task runs, writing nothing', async (policy, message) => {
    const before = await db.flowRuns.count();
    const p = policy as never;
    await expect(db.flowRuns.create({ flowId, empiricalPolicy: p })).rejects.toThrow(message);
    await expect(db.flowRuns.create({ flowId, empiricalPolicy: p })).rejects.toBeInstanceOf(ValidationError);
    expect(await db.flowRuns.count()).toBe(before);
    const run = await db.flowRuns.create({ flowId });
    await expect(db.flowRuns.update(run.id, { empiricalPolicy: p })).rejects.toThrow(message);
    expect((await db.flowRuns.get(run.id))?.empiricalPolicy).toEqual({});
    const task = db.taskRuns.create({ flowRunId: run.id, taskKey: 't', dynamicKey: '0', empiricalPolicy: p });
    await expect(task).rejects.toThrow(message);
  });

  it('keeps a valid policy and its other keys as given', async () => {
    const empiricalPolicy = {
      retries: 2,
      retryDelaySeconds: [1, 2.5],
      retryType: 'reschedule' as const,
      x: 1,
    };
    const run = await db.flowRuns.create({ flowId, empiricalPolicy });
    expect(run.empiricalPolicy).toEqual(empiricalPolicy);
    const cleared = { retries: null, retryDelaySeconds: null, retryType: null };
    expect((await db.flowRuns.update(run.id, { empiricalPolicy: cleared })).empiricalPolicy).toEqual(cleared);
  });

  it('accepts exactly the retryType values the type gives (property)', async () => {
    const allowed = new Set<unknown>(['in_process', 'reschedule', null, undefined]);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('in_process', 'reschedule', null, 'IN_PROCESS', ''),
          fc.string(),
          fc.integer(),
        ),
        async (retryType) => {
          const created = db.flowRuns.create({ flowId, empiricalPolicy: { retryType } as never });
          if (allowed.has(retryType)) expect((await created).empiricalPolicy.retryType).toBe(retryType);
          else await expect(created).rejects.toBeInstanceOf(ValidationError);
        },
      ),
      { numRuns: 40 },
    );
  });
});
