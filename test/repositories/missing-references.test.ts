/**
 * Generated: every repository method that takes a reference, handed a random reference to a row
 * that does not exist, throws `NotFoundError` whose `.entity` is the referenced row in words and
 * whose `.id` is the reference as given (ids lower-cased), and writes nothing — on both dialects
 * (semantics.md §2 "Errors", api.md "any input that references a missing row").
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, NotFoundError } from '../../src/index.js';
import { sqliteConstraints } from '../../src/dialect/constraints.js';
import { entityOf } from '../../src/schema/entities.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const RUNS = 200;
/** Every table's words: what `.entity` may be. */
const ENTITIES = new Set(sqliteConstraints().tables.map(entityOf));

interface Fixtures {
  flowId: string;
  deploymentId: string;
  flowRunId: string;
  poolName: string;
}

interface Case {
  method: string;
  /** The referenced row, in words. */
  entity: string;
  /** `id` is a random UUID no row has; `name` a random name no row has. */
  call(db: Database, f: Fixtures, missing: { id: string; name: string }): Promise<unknown>;
  /** Whether `.id` is the missing id or the missing name. */
  by: 'id' | 'name';
}

const CASES: Case[] = [
  {
    method: 'flowRuns.create',
    entity: 'flow',
    by: 'id',
    call: (db, _f, m) => db.flowRuns.create({ flowId: m.id }),
  },
  {
    method: 'flowRuns.create',
    entity: 'deployment',
    by: 'id',
    call: (db, f, m) => db.flowRuns.create({ flowId: f.flowId, deploymentId: m.id }),
  },
  {
    method: 'flowRuns.create',
    entity: 'work queue',
    by: 'id',
    call: (db, f, m) => db.flowRuns.create({ flowId: f.flowId, workQueueId: m.id }),
  },
  {
    method: 'flowRuns.create',
    entity: 'task run',
    by: 'id',
    call: (db, f, m) => db.flowRuns.create({ flowId: f.flowId, parentTaskRunId: m.id }),
  },
  {
    method: 'flowRuns.update',
    entity: 'work queue',
    by: 'id',
    call: (db, f, m) => db.flowRuns.update(f.flowRunId, { workQueueId: m.id }),
  },
  {
    method: 'flowRuns.update',
    entity: 'deployment',
    by: 'id',
    call: (db, f, m) => db.flowRuns.update(f.flowRunId, { deploymentId: m.id }),
  },
  {
    method: 'taskRuns.create',
    entity: 'flow run',
    by: 'id',
    call: (db, _f, m) => db.taskRuns.create({ flowRunId: m.id, taskKey: 'k', dynamicKey: '0' }),
  },
  {
    method: 'workQueues.create',
    entity: 'work pool',
    by: 'name',
    call: (db, _f, m) => db.workQueues.create({ workPoolName: m.name, name: 'q' }),
  },
  {
    method: 'deployments.upsert',
    entity: 'flow',
    by: 'id',
    call: (db, _f, m) => db.deployments.upsert({ flowId: m.id, name: 'd' }),
  },
  {
    method: 'deployments.upsert',
    entity: 'work pool',
    by: 'name',
    call: (db, f, m) => db.deployments.upsert({ flowId: f.flowId, name: 'd2', workPoolName: m.name }),
  },
  {
    method: 'deployments.upsert',
    entity: 'work queue',
    by: 'name',
    call: (db, f, m) =>
      db.deployments.upsert({
        flowId: f.flowId,
        name: 'd2',
        workPoolName: f.poolName,
        workQueueName: m.name,
      }),
  },
  {
    method: 'deployments.update',
    entity: 'work pool',
    by: 'name',
    call: (db, f, m) => db.deployments.update(f.deploymentId, { workPoolName: m.name }),
  },
  {
    method: 'deployments.schedules.create',
    entity: 'deployment',
    by: 'id',
    call: (db, _f, m) => db.deployments.schedules.create(m.id, [{ schedule: { interval: 60 } }]),
  },
  {
    method: 'workers.heartbeat',
    entity: 'work pool',
    by: 'name',
    call: (db, _f, m) => db.workers.heartbeat({ workPoolName: m.name, name: 'w' }),
  },
];

/** One row of counts of every table, to prove nothing was written. */
async function snapshot(db: Database): Promise<Record<string, string>> {
  const tables = sqliteConstraints().tables;
  const [row] = await db.execute(
    `select ${tables.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ')}`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, String(v)]));
}

describe.each(DIALECTS)('references to missing rows (%s)', (dialect) => {
  let db: Database;
  let fixtures: Fixtures;
  const existingNames = new Set(['pool', 'default', 'q']);
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const flow = await db.flows.create({ name: 'flow' });
    await db.workPools.create({ name: 'pool' });
    const deployment = await db.deployments.upsert({ flowId: flow.id, name: 'd', workPoolName: 'pool' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    fixtures = { flowId: flow.id, deploymentId: deployment.id, flowRunId: run.id, poolName: 'pool' };
  });
  afterAll(async () => {
    await db.close();
  });

  const missing = fc.record({
    // Upper case too: ids are lower-cased by validation, and `.id` reports the normalised form.
    id: fc.uuid().chain((id) => fc.constantFrom(id, id.toUpperCase())),
    name: fc
      .string({ minLength: 1, maxLength: 60 })
      // A blank name is a ValidationError before any lookup (docs/repositories.md).
      .filter((s) => !s.includes('\0') && s.trim() !== '' && !existingNames.has(s)),
  });

  it.each(CASES.map((c) => [`${c.method} → ${c.entity}`, c] as const))(
    '%s: NotFoundError naming the missing row, nothing written',
    async (_label, c) => {
      const before = await snapshot(db);
      await fc.assert(
        fc.asyncProperty(missing, async (m) => {
          const error = await c.call(db, fixtures, m).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(NotFoundError);
          const found = error as NotFoundError;
          expect(found.entity).toBe(c.entity);
          expect(ENTITIES.has(found.entity)).toBe(true);
          expect(found.id).toBe(c.by === 'id' ? m.id.toLowerCase() : m.name);
          expect(found.message).toContain(c.entity);
        }),
        { numRuns: RUNS },
      );
      expect(await snapshot(db)).toEqual(before);
    },
  );
});
