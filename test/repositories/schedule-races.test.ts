/**
 * Scheduling races a delete or a redeploy of the same deployment (found trying the package as a
 * user would): runs of a deleted deployment, or of a replaced schedule, must never stay behind for
 * workers to claim.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, NotFoundError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const ROUNDS = 8;

describe.each(DIALECTS)('scheduling races (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
    await db.workPools.create({ name: 'pool' });
  });
  afterEach(async () => {
    await db.close();
  });

  const deploy = (name: string, interval: number) =>
    db.deployments.upsert({ flowId, name, workPoolName: 'pool', schedules: [{ schedule: { interval } }] });

  it('scheduleRuns racing delete leaves no run of the deleted deployment', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const d = await deploy(`d${round}`, 60);
      const [scheduled, deleted] = await Promise.allSettled([
        db.deployments.scheduleRuns(d.id, { start: '2020-01-01T00:00:00Z', max: 20 }),
        db.deployments.delete(d.id),
      ]);
      expect(deleted.status).toBe('fulfilled');
      if (scheduled.status === 'rejected') expect(scheduled.reason).toBeInstanceOf(NotFoundError);
      expect(await db.flowRuns.count({ where: { deploymentId: { any: [d.id] } } })).toBe(0);
    }
  });

  it('scheduleRuns racing a redeploy with new schedules leaves no future run of the replaced schedule', async () => {
    // A redeploy deletes future unclaimed runs only; late ones stay, they are owed (semantics.md §5).
    const start = new Date(Date.now() + 86_400_000);
    const end = new Date(start.getTime() + 1_800_000);
    for (let round = 0; round < ROUNDS; round++) {
      const d = await deploy(`r${round}`, 60);
      await Promise.all([db.deployments.scheduleRuns(d.id, { start, end }), deploy(`r${round}`, 300)]);
      const schedules = await db.deployments.schedules.list(d.id);
      const runs = await db.flowRuns.list({ where: { deploymentId: { any: [d.id] } } });
      // Any run left belongs to the schedule now in place (its idempotency key names it).
      for (const run of runs) expect(run.idempotencyKey).toContain(schedules[0]!.id);
    }
  });
});

describe.each(DIALECTS)('scheduling near the end of time (%s)', (dialect) => {
  it('never writes a scheduled time past 9999-12-31T23:59:59.999Z', async () => {
    const db = await createTestDatabase({ dialect });
    try {
      const flowId = (await db.flows.create({ name: 'f' })).id;
      await db.workPools.create({ name: 'pool' });
      const d = await db.deployments.upsert({
        flowId,
        name: 'late',
        workPoolName: 'pool',
        schedules: [{ schedule: { interval: 86_400 } }],
      });
      const runs = await db.deployments.scheduleRuns(d.id, { start: '9999-12-01T00:00:00Z' });
      expect(runs.length).toBe(31);
      for (const run of runs) {
        expect(run.expectedStartTime!.getTime()).toBeLessThanOrEqual(Date.parse('9999-12-31T23:59:59.999Z'));
      }
    } finally {
      await db.close();
    }
  });
});
