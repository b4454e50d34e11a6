/**
 * Generated: writes that a lost race sends to the database (a row whose referenced row is gone),
 * with random sets of references present, missing or left empty, on every table that has foreign
 * keys the repositories write. Exactly one reference is missing in each write, and the error must
 * name that one — `NotFoundError`, `.entity` in words, `.id`, `.constraint` — the same on both
 * dialects, with nothing written. On SQLite this is the diagnosis of sqlite/foreign-keys.ts (which
 * must not blame another key of the same table); on PostgreSQL the 23503 mapping.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../src/dialect/dialect.js';
import { type Database, NotFoundError } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';
import { dialectOf } from './support/internals.js';

const RUNS = 200;

type RefState = 'present' | 'missing' | 'empty';

interface Reference {
  /** The property of the Drizzle row. */
  field: string;
  entity: string;
  constraint: string;
  /** Required references cannot be empty. */
  required: boolean;
}

interface Target {
  table:
    | 'flowRun'
    | 'taskRun'
    | 'workQueue'
    | 'worker'
    | 'deployment'
    | 'deploymentSchedule'
    | 'flowRunState';
  sqlTable: string;
  references: Reference[];
  /** The columns a row needs besides its references. */
  row(n: number): Record<string, unknown>;
}

const ref = (field: string, entity: string, constraint: string, required = false): Reference => ({
  field,
  entity,
  constraint,
  required,
});

const TARGETS: Target[] = [
  {
    table: 'flowRun',
    sqlTable: 'flow_run',
    references: [
      ref('flowId', 'flow', 'fk_flow_run__flow_id__flow', true),
      ref('workQueueId', 'work queue', 'fk_flow_run__work_queue_id__work_queue'),
      ref('parentTaskRunId', 'task run', 'fk_flow_run__parent_task_run_id__task_run'),
    ],
    row: (n) => ({ name: `r${n}` }),
  },
  {
    table: 'taskRun',
    sqlTable: 'task_run',
    references: [ref('flowRunId', 'flow run', 'fk_task_run__flow_run_id__flow_run', true)],
    row: (n) => ({ name: `t${n}`, taskKey: `k${n}`, dynamicKey: '0' }),
  },
  {
    table: 'workQueue',
    sqlTable: 'work_queue',
    references: [ref('workPoolId', 'work pool', 'fk_work_queue__work_pool_id__work_pool', true)],
    row: (n) => ({ name: `q${n}`, priority: 100 + n }),
  },
  {
    table: 'worker',
    sqlTable: 'worker',
    references: [ref('workPoolId', 'work pool', 'fk_worker__work_pool_id__work_pool', true)],
    row: (n) => ({ name: `w${n}`, lastHeartbeatTime: new Date() }),
  },
  {
    table: 'deployment',
    sqlTable: 'deployment',
    references: [
      ref('flowId', 'flow', 'fk_deployment__flow_id__flow', true),
      ref('workQueueId', 'work queue', 'fk_deployment__work_queue_id__work_queue'),
    ],
    row: (n) => ({ name: `d${n}` }),
  },
  {
    table: 'deploymentSchedule',
    sqlTable: 'deployment_schedule',
    references: [
      ref('deploymentId', 'deployment', 'fk_deployment_schedule__deployment_id__deployment', true),
    ],
    row: () => ({ schedule: { interval: 60 } }),
  },
  {
    table: 'flowRunState',
    sqlTable: 'flow_run_state',
    references: [ref('flowRunId', 'flow run', 'fk_flow_run_state__flow_run_id__flow_run', true)],
    row: () => ({ type: 'PENDING', name: 'Pending', timestamp: new Date() }),
  },
];

/** A target and a state per reference, exactly one of them missing. */
const write = fc.constantFrom(...TARGETS).chain((target) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: target.references.length - 1 }),
      fc.array(fc.constantFrom<RefState>('present', 'empty'), {
        minLength: target.references.length,
        maxLength: target.references.length,
      }),
      fc.uuid(),
    )
    .map(([missingAt, others, missingId]) => ({
      target,
      states: others.map((state, i): RefState => {
        if (i === missingAt) return 'missing';
        return target.references[i]!.required ? 'present' : state;
      }),
      missingId,
    })),
);

describe.each(DIALECTS)('a write whose referenced row is gone (%s)', (dialect) => {
  let db: Database;
  let handle: Dialect;
  let present: Record<string, string>;
  let n = 0;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    handle = dialectOf(db);
    const flow = await db.flows.create({ name: 'f' });
    const pool = await db.workPools.create({ name: 'p' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    const task = await db.taskRuns.create({ flowRunId: run.id, taskKey: 'k', dynamicKey: '0' });
    const deployment = await db.deployments.upsert({ flowId: flow.id, name: 'd' });
    present = {
      flowId: flow.id,
      workQueueId: pool.defaultQueueId!,
      parentTaskRunId: task.id,
      flowRunId: run.id,
      workPoolId: pool.id,
      deploymentId: deployment.id,
    };
  });
  afterAll(async () => {
    await db.close();
  });

  it('is NotFoundError naming exactly the missing reference, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(write, async ({ target, states, missingId }) => {
        const values: Record<string, unknown> = {
          ...target.row(++n),
          created: new Date(),
          updated: new Date(),
        };
        target.references.forEach((reference, i) => {
          const state = states[i];
          values[reference.field] =
            state === 'missing' ? missingId : state === 'present' ? present[reference.field] : null;
        });
        const table = handle.tables[target.table];
        const before = await db.execute(`select count(*) as n from ${target.sqlTable}`);
        const error = await handle
          .run((q) => q.insert(table).values(values as never))
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        const expected = target.references[states.indexOf('missing')]!;
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({
          entity: expected.entity,
          id: missingId,
          constraint: expected.constraint,
        });
        expect(await db.execute(`select count(*) as n from ${target.sqlTable}`)).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });
});
