import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, NotFoundError, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const NUL = 'bad\0name';
const MISSING = '0190a1b2-c3d4-7e5f-8a9b-000000000000';

describe.each(DIALECTS)('bad input to deployments, pools, queues and workers (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let deploymentId: string;
  let scheduleId: string;
  let queueId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
    await db.workPools.create({ name: 'pool' });
    queueId = (await db.workQueues.create({ workPoolName: 'pool', name: 'q' })).id;
    const d = await db.deployments.upsert({ flowId, name: 'd', schedules: [{ schedule: { interval: 60 } }] });
    deploymentId = d.id;
    scheduleId = (await db.deployments.schedules.list(d.id))[0]!.id;
  });
  afterEach(async () => {
    await db.close();
  });

  const snapshot = async () => {
    const out: Record<string, unknown> = {};
    for (const table of [
      'deployment',
      'deployment_schedule',
      'work_pool',
      'work_queue',
      'worker',
      'flow_run',
    ]) {
      out[table] = (await db.execute(`select * from ${table} order by id`)).map((r) => JSON.stringify(r));
    }
    return out;
  };

  const cases: [string, () => Promise<unknown>][] = [
    [
      'deployments.upsert with a bad schedule',
      () => db.deployments.upsert({ flowId, name: 'x', schedules: [{ schedule: { cron: 'nope' } }] }),
    ],
    [
      'deployments.upsert with an unknown timezone',
      () =>
        db.deployments.upsert({
          flowId,
          name: 'x',
          schedules: [{ schedule: { interval: 60, timezone: 'Nowhere/City' } }],
        }),
    ],
    [
      'deployments.upsert with an unknown field',
      () => db.deployments.upsert({ flowId, name: 'x', colour: 1 } as never),
    ],
    [
      'deployments.upsert with a negative limit',
      () => db.deployments.upsert({ flowId, name: 'x', concurrencyLimit: -1 }),
    ],
    [
      'deployments.upsert with a bad collision strategy',
      () =>
        db.deployments.upsert({
          flowId,
          name: 'x',
          concurrencyOptions: { collisionStrategy: 'DROP' as never },
        }),
    ],
    ['deployments.upsert with a NUL name', () => db.deployments.upsert({ flowId, name: NUL })],
    ['deployments.upsert for a missing flow', () => db.deployments.upsert({ flowId: MISSING, name: 'x' })],
    [
      'deployments.upsert for a missing queue',
      () => db.deployments.upsert({ flowId, name: 'x', workPoolName: 'pool', workQueueName: 'nope' }),
    ],
    ['deployments.get with a malformed id', () => db.deployments.get('x')],
    ['deployments.getByName with an empty name', () => db.deployments.getByName('f', '')],
    ['deployments.list with an unknown sort', () => db.deployments.list({ sort: 'BEST' as never })],
    [
      'deployments.count with an unknown filter',
      () => db.deployments.count({ where: { colour: {} } as never }),
    ],
    [
      'deployments.update with a wrong type',
      () => db.deployments.update(deploymentId, { paused: 'yes' as never }),
    ],
    ['deployments.update of a missing deployment', () => db.deployments.update(MISSING, { paused: true })],
    ['deployments.delete with a malformed id', () => db.deployments.delete('1')],
    ['deployments.pause of a missing deployment', () => db.deployments.pause(MISSING)],
    [
      'deployments.schedules.create with no schedule',
      () => db.deployments.schedules.create(deploymentId, [{} as never]),
    ],
    [
      'deployments.schedules.create for a missing deployment',
      () => db.deployments.schedules.create(MISSING, [{ schedule: { interval: 60 } }]),
    ],
    [
      'deployments.schedules.update with an unknown field',
      () => db.deployments.schedules.update(deploymentId, scheduleId, { colour: 1 } as never),
    ],
    [
      'deployments.schedules.update of another deployment',
      () => db.deployments.schedules.update(MISSING, scheduleId, { active: false }),
    ],
    [
      'deployments.schedules.delete with a malformed id',
      () => db.deployments.schedules.delete(deploymentId, 'x'),
    ],
    [
      'deployments.scheduleRuns with a negative max',
      () => db.deployments.scheduleRuns(deploymentId, { max: -1 }),
    ],
    [
      'deployments.scheduleRuns with a bad end',
      () => db.deployments.scheduleRuns(deploymentId, { end: 'tomorrow' as never }),
    ],
    ['workPools.create with a NUL name', () => db.workPools.create({ name: NUL })],
    ['workPools.create with an unknown field', () => db.workPools.create({ name: 'p2', size: 3 } as never)],
    [
      'workPools.create with a negative limit',
      () => db.workPools.create({ name: 'p2', concurrencyLimit: -3 }),
    ],
    ['workPools.get with a malformed id', () => db.workPools.get('x')],
    ['workPools.getByName with a number', () => db.workPools.getByName(5 as never)],
    ['workPools.list with a negative limit', () => db.workPools.list({ limit: -1 })],
    ['workPools.update with a wrong type', () => db.workPools.update(MISSING, { isPaused: 1 as never })],
    ['workPools.update of a missing pool', () => db.workPools.update(MISSING, { isPaused: true })],
    ['workPools.delete of a missing pool', () => db.workPools.delete(MISSING)],
    [
      'workQueues.create with priority 0',
      () => db.workQueues.create({ workPoolName: 'pool', name: 'z', priority: 0 }),
    ],
    ['workQueues.create in a missing pool', () => db.workQueues.create({ workPoolName: 'nope', name: 'z' })],
    ['workQueues.create without a pool', () => db.workQueues.create({ name: 'z' } as never)],
    ['workQueues.get with a malformed id', () => db.workQueues.get('x')],
    ['workQueues.getByName with an empty queue name', () => db.workQueues.getByName('pool', '')],
    ['workQueues.list with an unknown filter', () => db.workQueues.list({ where: { type: 'x' } } as never)],
    ['workQueues.update with a negative priority', () => db.workQueues.update(queueId, { priority: -1 })],
    ['workQueues.update of a missing queue', () => db.workQueues.update(MISSING, { priority: 1 })],
    ['workQueues.delete with a malformed id', () => db.workQueues.delete('x')],
    [
      'workQueues.getScheduledRuns with a negative limit',
      () => db.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: -1 }),
    ],
    [
      'workQueues.claimScheduledRuns with a string limit',
      () => db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: '5' as never }),
    ],
    [
      'workQueues.claimScheduledRuns with an unknown field',
      () => db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 1, greedy: true } as never),
    ],
    [
      'workQueues.claimScheduledRuns for a missing queue',
      () =>
        db.workQueues.claimScheduledRuns({
          workPoolName: 'pool',
          limit: 1,
          workQueueNames: ['nope'],
          workerName: 'w',
        }),
    ],
    [
      'workers.heartbeat with interval 0',
      () => db.workers.heartbeat({ workPoolName: 'pool', name: 'w', heartbeatIntervalSeconds: 0 }),
    ],
    ['workers.heartbeat with a NUL name', () => db.workers.heartbeat({ workPoolName: 'pool', name: NUL })],
    ['workers.list for a missing pool', () => db.workers.list('nope')],
    ['workers.list with a fractional limit', () => db.workers.list('pool', { limit: 0.5 })],
    ['workers.delete with an empty name', () => db.workers.delete('pool', '')],
  ];

  it.each(cases)('%s', async (_label, call) => {
    const before = await snapshot();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error instanceof ValidationError || error instanceof NotFoundError, String(error)).toBe(true);
    expect(await snapshot()).toEqual(before);
  });
});
