/**
 * Multi-row writes sized by the driver's bind limit and by bytes (semantics.md §2 "Lists"): a claim
 * of up to 10,000 runs and scheduleRuns of thousands, on both dialects with the same body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

/** About as many due runs as the example (6,599); every state row binds ~10 parameters. */
const DUE = 6_600;

describe.each(DIALECTS)('multi-row writes within the bind limit (%s)', (dialect) => {
  let db: Database;
  let deploymentId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const flow = await db.flows.create({ name: 'bulk' });
    await db.workPools.create({ name: 'pool' });
    deploymentId = (
      await db.deployments.upsert({
        flowId: flow.id,
        name: 'every-minute',
        workPoolName: 'pool',
        schedules: [{ schedule: { interval: 60 } }],
      })
    ).id;
  });
  afterAll(async () => {
    await db?.close();
  });

  it(`schedules ${DUE.toLocaleString('en')} runs in one call, then claims them all with limit 10,000`, async () => {
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const start = new Date(end.getTime() - DUE * 60_000);
    const scheduled = await db.deployments.scheduleRuns(deploymentId, { start, end, max: 10_000 });
    expect(scheduled).toHaveLength(DUE);
    expect(new Set(scheduled.map((r) => r.id)).size).toBe(DUE);
    expect(scheduled.every((r) => r.stateType === 'SCHEDULED' && r.stateId !== null)).toBe(true);
    // A second call creates nothing (idempotency keys), however many runs it would have written.
    expect(await db.deployments.scheduleRuns(deploymentId, { start, end, max: 10_000 })).toEqual([]);

    const claimed = await db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 10_000 });
    expect(claimed).toHaveLength(DUE);
    expect(claimed.every((r) => r.stateType === 'PENDING')).toBe(true);
    expect(claimed.map((r) => r.id).sort()).toEqual(scheduled.map((r) => r.id).sort());
    const counts = await db.flowRuns.countByState({ where: { deploymentId: { any: [deploymentId] } } });
    expect(counts.PENDING).toBe(DUE);
    expect(counts.SCHEDULED).toBe(0);
    // Each run points at its new PENDING state, recorded after its SCHEDULED one.
    const sample = claimed[DUE - 1]!;
    const history = await db.flowRuns.states(sample.id);
    expect(history.map((s) => s.type)).toEqual(['SCHEDULED', 'PENDING']);
    expect(sample.stateId).toBe(history[1]!.id);
  });
});
