import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, StaleStateError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('concurrent transitions (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it('lets exactly one of eight compare-and-set transitions win; the others get StaleStateError', async () => {
    const flow = await db.flows.create({ name: 'race' });
    const run = await db.flowRuns.create({ flowId: flow.id, state: { type: 'PENDING' } });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        db.flowRuns.setState(run.id, { type: 'RUNNING' }, { expectedStateId: run.stateId }),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const o of lost) expect(o.reason).toBeInstanceOf(StaleStateError);
    const history = await db.flowRuns.states(run.id);
    expect(history.map((s) => s.type)).toEqual(['PENDING', 'RUNNING']);
    expect((await db.flowRuns.get(run.id))!.runCount).toBe(1);
  });

  it('treats expectedStateId null as "no state yet"', async () => {
    const flow = await db.flows.create({ name: 'race' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    await db.flowRuns.setState(run.id, { type: 'PENDING' }, { expectedStateId: null });
    await expect(
      db.flowRuns.setState(run.id, { type: 'RUNNING' }, { expectedStateId: null }),
    ).rejects.toBeInstanceOf(StaleStateError);
  });

  it('lands every transition made without expectedStateId; the run points at the newest', async () => {
    const flow = await db.flows.create({ name: 'race' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.flowRuns.setState(run.id, { type: i % 2 ? 'RUNNING' : 'PENDING' }),
      ),
    );
    const history = await db.flowRuns.states(run.id);
    expect(history).toHaveLength(8);
    const times = history.map((s) => s.timestamp.getTime());
    expect(new Set(times).size).toBe(8);
    const newest = history.at(-1)!;
    const current = (await db.flowRuns.get(run.id))!;
    expect(current.stateId).toBe(newest.id);
    expect(current.stateTimestamp).toEqual(newest.timestamp);
    expect(results.map((r) => r.state.id).sort()).toEqual(history.map((s) => s.id).sort());
  });
});
