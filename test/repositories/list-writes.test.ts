/**
 * Multi-row writes sized by the driver's bind limit and by bytes (semantics.md §2 "Lists"): a claim
 * of up to 10,000 runs and scheduleRuns of thousands, on both dialects with the same body.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresFragments } from '../../src/dialect/postgres/fragments.js';
import { sqliteFragments } from '../../src/dialect/sqlite/fragments.js';
import type { Database } from '../../src/index.js';
import * as pgSchema from '../../src/schema/postgres/index.js';
import * as sqliteSchema from '../../src/schema/sqlite/index.js';
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

  it('jsonRows carries many rows of typed values as one parameter into an UPDATE ... FROM', async () => {
    // The fragment behind the claim's bulk run update, checked directly on both dialects.
    const fragments = dialect === 'sqlite' ? sqliteFragments : postgresFragments;
    const t = (dialect === 'sqlite' ? sqliteSchema.flowRun : pgSchema.flowRun) as typeof pgSchema.flowRun;
    const flow = await db.flows.create({ name: 'json-rows' });
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await db.flowRuns.create({ flowId: flow.id }));
    const rows = runs.map((run, i) => ({
      id: run.id,
      name: `it's "${i}" {a,b} \\ ünï 😀`,
      stateTimestamp: i === 2 ? null : new Date(Date.UTC(2026, 0, 1, 0, 0, i, 123)),
      totalRunTime: 1.5 * i,
      runCount: i,
      empiricalPolicy: { retries: i, retryDelay: null, nested: { list: [1, 'two', { three: true }] } },
    }));
    const columns = {
      id: t.id,
      name: t.name,
      stateTimestamp: t.stateTimestamp,
      totalRunTime: t.totalRunTime,
      runCount: t.runCount,
      empiricalPolicy: t.empiricalPolicy,
    };
    await db.execute(sql`update ${t} set name = r.name, state_timestamp = r.state_timestamp,
      total_run_time = r.total_run_time, run_count = r.run_count, empirical_policy = r.empirical_policy
      from ${fragments.jsonRows(rows, 'r', columns)} where ${t.id} = r.id`);
    for (const row of rows) {
      const run = (await db.flowRuns.get(row.id))!;
      expect({
        name: run.name,
        stateTimestamp: run.stateTimestamp,
        totalRunTime: run.totalRunTime,
        runCount: run.runCount,
        empiricalPolicy: run.empiricalPolicy,
      }).toEqual({ ...row, id: undefined });
    }
  });
});
