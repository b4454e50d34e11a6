/**
 * The fixture of the deployment-runs tests: a flow `etl`, a pool `pool` with queues `default` and
 * `other`, and helpers that deploy, list a deployment's runs and make late runs.
 */
import { afterEach, beforeEach } from 'vitest';
import type { Database, DialectName } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';

export const HOUR = 3_600_000;
/** A `scheduledBefore` past every run the tests make. */
export const FAR = new Date(Date.now() + 400 * 86_400_000);
export const MISSING = '0190a1b2-c3d4-7e5f-8a9b-000000000000';

export interface DeploymentFixture {
  db: Database;
  flowId: string;
}

/** Registers beforeEach/afterEach for a fresh database per test; call inside a describe. */
export function deploymentFixture(dialect: DialectName) {
  const f = {} as DeploymentFixture;
  beforeEach(async () => {
    f.db = await createTestDatabase({ dialect });
    f.flowId = (await f.db.flows.create({ name: 'etl' })).id;
    await f.db.workPools.create({ name: 'pool' });
    await f.db.workQueues.create({ workPoolName: 'pool', name: 'other' });
  });
  afterEach(async () => {
    await f.db.close();
  });
  return {
    f,
    /** Upserts deployment `d` in `pool` with an hourly schedule, overridden by `extra`. */
    deploy: (extra: Record<string, unknown> = {}) =>
      f.db.deployments.upsert({
        flowId: f.flowId,
        name: 'd',
        workPoolName: 'pool',
        schedules: [{ schedule: { interval: 3600 } }],
        ...extra,
      } as Parameters<Database['deployments']['upsert']>[0]),
    /** The deployment's runs in scheduled-time order. */
    runsOf: (deploymentId: string) =>
      f.db.flowRuns.list({
        where: { deploymentId: { any: [deploymentId] } },
        sort: 'NEXT_SCHEDULED_START_TIME_ASC',
      }),
    /** The overdue auto-scheduled runs of the last three hours. */
    late: (id: string) => {
      const end = new Date();
      return f.db.deployments.scheduleRuns(id, { start: new Date(end.getTime() - 3 * HOUR), end });
    },
  };
}
