/**
 * `workQueueNames: []` polled no queue, forever, without a word: a worker configured with an empty
 * list is refused at once (docs/work.md, "Claiming").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const MESSAGE = 'workQueueNames: must name at least one queue; leave it out to poll every queue of the pool';

describe.each(DIALECTS)('claiming with an empty queue list (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it('claimScheduledRuns and getScheduledRuns refuse [] and claim nothing; left out, they poll every queue', async () => {
    const flow = await db.flows.create({ name: 'f' });
    const pool = await db.workPools.create({ name: 'p' });
    const run = await db.flowRuns.create({
      flowId: flow.id,
      workQueueId: pool.defaultQueueId!,
      state: { type: 'SCHEDULED' },
    });
    for (const call of [
      db.workQueues.claimScheduledRuns({ workPoolName: 'p', workQueueNames: [], limit: 10 }),
      db.workQueues.getScheduledRuns({ workPoolName: 'p', workQueueNames: [], limit: 10 }),
    ]) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(MESSAGE);
    }
    expect((await db.flowRuns.get(run.id))?.stateType).toBe('SCHEDULED');
    expect((await db.workQueues.get(pool.defaultQueueId!))?.lastPolled).toBeNull();
    const claimed = await db.workQueues.claimScheduledRuns({ workPoolName: 'p', limit: 10 });
    expect(claimed.map((r) => r.id)).toEqual([run.id]);
  });
});
