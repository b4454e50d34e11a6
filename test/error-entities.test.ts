/**
 * semantics.md §2 "Errors": `.entity` is always the words, on every error, on both dialects — for
 * the errors repositories raise themselves and for the ones mapped from the driver (unique
 * violations name a table; the words must come out all the same), with `.constraint` named alike.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, type Database, NotFoundError, StaleStateError } from '../src/index.js';
import { sqliteConstraints } from '../src/dialect/constraints.js';
import { entityOf } from '../src/schema/entities.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';

const MISSING = '0190a1b2-c3d4-7e5f-8a9b-00000000beef';
const ENTITIES = new Set(sqliteConstraints().tables.map(entityOf));

interface Expected {
  type: typeof NotFoundError | typeof ConflictError;
  entity: string;
  constraint?: string;
  /** The id the error carries, where it names one row. */
  id?: () => string;
}

describe('the table-to-words map', () => {
  it('gives words for every table of the schema', () => {
    for (const table of sqliteConstraints().tables) expect(entityOf(table)).toMatch(/^[a-z]+( [a-z]+)*$/);
    expect(entityOf('work_pool')).toBe('work pool');
    expect(entityOf('concurrency_limit_v2')).toBe('concurrency limit');
    expect(entityOf('work pool')).toBe('work pool');
  });

  it('is applied by the error constructors, whatever they are handed', () => {
    expect(new NotFoundError('flow_run', MISSING).entity).toBe('flow run');
    expect(new ConflictError('deployment_schedule', 'uq_x', 'm').entity).toBe('deployment schedule');
  });
});

describe.each(DIALECTS)('every error names its rows in words (%s)', (dialect) => {
  let db: Database;
  let ids: { flow: string; run: string; task: string; pool: string; queue: string; deployment: string };
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const flow = await db.flows.create({ name: 'f' });
    const pool = await db.workPools.create({ name: 'p' });
    const run = await db.flowRuns.create({ flowId: flow.id, state: { type: 'PENDING' } });
    const task = await db.taskRuns.create({ flowRunId: run.id, taskKey: 't', dynamicKey: '0' });
    const deployment = await db.deployments.upsert({ flowId: flow.id, name: 'd', workPoolName: 'p' });
    await db.deployments.schedules.create(deployment.id, [{ slug: 's', schedule: { interval: 60 } }]);
    ids = {
      flow: flow.id,
      run: run.id,
      task: task.id,
      pool: pool.id,
      queue: pool.defaultQueueId!,
      deployment: deployment.id,
    };
  });
  afterAll(async () => {
    await db.close();
  });

  const at = () => (dialect === 'sqlite' ? Date.now() : new Date().toISOString());
  const cases: [string, () => Promise<unknown>, Expected][] = [
    ['flows.update', () => db.flows.update(MISSING, { tags: [] }), { type: NotFoundError, entity: 'flow' }],
    ['flows.delete', () => db.flows.delete(MISSING), { type: NotFoundError, entity: 'flow' }],
    ['flowRuns.delete', () => db.flowRuns.delete(MISSING), { type: NotFoundError, entity: 'flow run' }],
    [
      'flowRuns.setState',
      () => db.flowRuns.setState(MISSING, { type: 'RUNNING' }),
      { type: NotFoundError, entity: 'flow run' },
    ],
    [
      'taskRuns.setState',
      () => db.taskRuns.setState(MISSING, { type: 'RUNNING' }),
      { type: NotFoundError, entity: 'task run' },
    ],
    ['taskRuns.update', () => db.taskRuns.update(MISSING, {}), { type: NotFoundError, entity: 'task run' }],
    [
      'workPools.update',
      () => db.workPools.update(MISSING, {}),
      { type: NotFoundError, entity: 'work pool' },
    ],
    [
      'workQueues.update',
      () => db.workQueues.update(MISSING, {}),
      { type: NotFoundError, entity: 'work queue' },
    ],
    [
      'deployments.update',
      () => db.deployments.update(MISSING, {}),
      { type: NotFoundError, entity: 'deployment' },
    ],
    [
      'deployments.schedules.update',
      () => db.deployments.schedules.update(ids.deployment, MISSING, { active: false }),
      { type: NotFoundError, entity: 'deployment schedule' },
    ],
    ['workers.delete', () => db.workers.delete('p', 'nobody'), { type: NotFoundError, entity: 'worker' }],
    [
      'workPools.create (same name)',
      () => db.workPools.create({ name: 'p' }),
      { type: ConflictError, entity: 'work pool', constraint: 'uq_work_pool__name' },
    ],
    [
      'workQueues.create (same name in the pool)',
      () => db.workQueues.create({ workPoolName: 'p', name: 'default' }),
      { type: ConflictError, entity: 'work queue', constraint: 'uq_work_queue__work_pool_id_name' },
    ],
    [
      'deployments.schedules.create (same slug)',
      () => db.deployments.schedules.create(ids.deployment, [{ slug: 's', schedule: { interval: 30 } }]),
      {
        type: ConflictError,
        entity: 'deployment schedule',
        constraint: 'uq_deployment_schedule__deployment_id_slug',
      },
    ],
    [
      'workQueues.delete (the default queue)',
      () => db.workQueues.delete(ids.queue),
      { type: ConflictError, entity: 'work queue', constraint: 'fk_work_pool__default_queue_id__work_queue' },
    ],
    [
      'flowRuns.setState (stale)',
      () => db.flowRuns.setState(ids.run, { type: 'RUNNING' }, { expectedStateId: MISSING }),
      { type: StaleStateError, entity: 'flow run', constraint: 'expected_state_id', id: () => ids.run },
    ],
    [
      'taskRuns.setState (stale)',
      () => db.taskRuns.setState(ids.task, { type: 'RUNNING' }, { expectedStateId: MISSING }),
      { type: StaleStateError, entity: 'task run', constraint: 'expected_state_id', id: () => ids.task },
    ],
    [
      'db.execute (unique violation from the driver)',
      () =>
        db.execute(
          sql`insert into work_pool (id, created, updated, name, type) values (${MISSING}, ${at()}, ${at()}, 'p', 'process')`,
        ),
      { type: ConflictError, entity: 'work pool', constraint: 'uq_work_pool__name' },
    ],
    [
      'db.execute (primary key violation from the driver)',
      () =>
        db.execute(
          sql`insert into flow (id, created, updated, name) values (${ids.flow}, ${at()}, ${at()}, 'other')`,
        ),
      { type: ConflictError, entity: 'flow', constraint: 'pk_flow' },
    ],
  ];

  it.each(cases)('%s', async (_label, call, expected) => {
    const error = await call().then(
      () => expect.unreachable('the call should have failed'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(expected.type);
    const { entity, constraint } = error as { entity: string; constraint?: string };
    expect(entity).toBe(expected.entity);
    expect(ENTITIES.has(entity)).toBe(true);
    if (expected.constraint) expect(constraint).toBe(expected.constraint);
    if (expected.id) expect((error as { id?: string }).id).toBe(expected.id());
  });
});
