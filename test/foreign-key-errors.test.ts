/**
 * A foreign key refusing a write is the same error on both dialects (semantics.md §2 "Errors"):
 * a reference to a missing row is `NotFoundError`, a deleted row still referenced is
 * `ConflictError`, with `.entity` in words and `.constraint` named alike.
 *
 * The repositories check references before they write, so these failures reach the database only
 * in a race: the referenced row is deleted between the check and the write. The statements below
 * are exactly what such a race sends (a write whose parent is gone), issued through the library's
 * own executor (Drizzle, prepared through the statement cache) and through `db.execute`, so the
 * mapping is exercised deterministically on both dialects.
 */
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, type Database, NotFoundError } from '../src/index.js';
import type { Dialect } from '../src/dialect/dialect.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';
import { dialectOf } from './support/internals.js';

const MISSING = '0190a1b2-c3d4-7e5f-8a9b-00000000dead';
const ID = (n: number) => `0190a1b2-c3d4-7e5f-8a9b-${String(n).padStart(12, '0')}`;

describe.each(DIALECTS)('foreign-key failures (%s)', (dialect) => {
  let db: Database;
  let handle: Dialect;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    handle = dialectOf(db);
  });
  afterEach(async () => {
    await db.close();
  });

  const count = async (table: string) =>
    Number((await db.execute<{ n: number | string }>(`select count(*) as n from ${table}`))[0]!.n);
  const failure = (work: Promise<unknown>) =>
    work.then(
      () => expect.unreachable('the write should have failed'),
      (error: unknown) => error,
    );
  const now = () => new Date();

  it('a real race: creating runs of a flow that is being deleted fails only with NotFoundError', async () => {
    // Each round deletes a flow while runs of it are being created. A create that loses the race
    // fails on the repository's own check or, on PostgreSQL, on the foreign key when the delete
    // commits between the check and the insert; either way the same error, and no orphan stays.
    const failures: unknown[] = [];
    for (let round = 0; round < 25; round++) {
      const flow = await db.flows.create({ name: `race-${round}` });
      const creates = Array.from({ length: 4 }, () =>
        db.flowRuns.create({ flowId: flow.id }).catch((e: unknown) => failures.push(e)),
      );
      await Promise.all([...creates, db.flows.delete(flow.id)]);
    }
    for (const error of failures) {
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ entity: 'flow' });
    }
    expect(await count('flow_run')).toBe(0);
  });

  it('an insert whose only reference is missing names that row', async () => {
    const t = handle.tables;
    const error = await failure(
      handle.run((q) =>
        q.insert(t.flowRun).values({ id: ID(1), name: 'r', flowId: MISSING, created: now(), updated: now() }),
      ),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ entity: 'flow', id: MISSING, constraint: 'fk_flow_run__flow_id__flow' });
    expect((error as Error).message).toContain(`flow ${MISSING}`);
    expect(await count('flow_run')).toBe(0);
  });

  it('among several references, names the one that is missing (insert with RETURNING, update)', async () => {
    const t = handle.tables;
    const flow = await db.flows.create({ name: 'f' });
    const pool = await db.workPools.create({ name: 'p' });
    // The flow exists, the queue does not: SQLite must not blame the first key of the table.
    const insert = await failure(
      handle.run((q) =>
        q
          .insert(t.flowRun)
          .values({
            id: ID(2),
            name: 'r',
            flowId: flow.id,
            workQueueId: MISSING,
            created: now(),
            updated: now(),
          })
          .returning(),
      ),
    );
    expect(insert).toBeInstanceOf(NotFoundError);
    expect(insert).toMatchObject({
      entity: 'work queue',
      id: MISSING,
      constraint: 'fk_flow_run__work_queue_id__work_queue',
    });
    const run = await db.flowRuns.create({ flowId: flow.id, workQueueId: pool.defaultQueueId! });
    const update = await failure(
      handle.run((q) =>
        q.update(t.flowRun).set({ parentTaskRunId: MISSING }).where(eq(t.flowRun.id, run.id)),
      ),
    );
    expect(update).toBeInstanceOf(NotFoundError);
    expect(update).toMatchObject({
      entity: 'task run',
      id: MISSING,
      constraint: 'fk_flow_run__parent_task_run_id__task_run',
    });
    expect((await db.flowRuns.get(run.id))?.parentTaskRunId).toBeNull();
    expect(await count('flow_run')).toBe(1);
  });

  it('maps raw SQL through db.execute the same way', async () => {
    const at = dialect === 'sqlite' ? Date.now() : now().toISOString();
    const error = await failure(
      db.execute(
        sql`insert into work_queue (id, created, updated, name, work_pool_id, priority) values (${ID(3)}, ${at}, ${at}, 'q', ${MISSING}, 1)`,
      ),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      entity: 'work pool',
      id: MISSING,
      constraint: 'fk_work_queue__work_pool_id__work_pool',
    });
    expect(await count('work_queue')).toBe(0);
  });

  it('deleting a row a RESTRICT key still references is ConflictError, in a race and through the repository', async () => {
    const t = handle.tables;
    const pool = await db.workPools.create({ name: 'p' });
    const constraint = 'fk_work_pool__default_queue_id__work_queue';
    const raced = await failure(
      handle.run((q) => q.delete(t.workQueue).where(eq(t.workQueue.id, pool.defaultQueueId!))),
    );
    expect(raced).toBeInstanceOf(ConflictError);
    expect(raced).toMatchObject({ entity: 'work queue', constraint });
    // The repository refuses the same delete before the database does, with the same fields.
    const checked = await failure(db.workQueues.delete(pool.defaultQueueId!));
    expect(checked).toBeInstanceOf(ConflictError);
    expect(checked).toMatchObject({ entity: 'work queue', constraint });
    expect(await db.workQueues.get(pool.defaultQueueId!)).not.toBeNull();
  });

  it('diagnoses keys of tables outside the schema too (NO ACTION, deferred re-run on SQLite)', async () => {
    // Named as the convention would name it, so both dialects report the same constraint.
    const constraint = 'fk_orion_test_child__parent_id__orion_test_parent';
    await db.execute('create table orion_test_parent (id text primary key)');
    await db.execute(
      `create table orion_test_child (id text primary key, parent_id text constraint ${constraint} references orion_test_parent (id))`,
    );
    const missing = await failure(db.execute(`insert into orion_test_child values ('c1', 'nobody')`));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ entity: 'orion test parent', id: 'nobody', constraint });
    await db.execute(`insert into orion_test_parent values ('p1')`);
    await db.execute(`insert into orion_test_child values ('c1', 'p1')`);
    const referenced = await failure(db.execute(`delete from orion_test_parent where id = 'p1'`));
    expect(referenced).toBeInstanceOf(ConflictError);
    expect(referenced).toMatchObject({ entity: 'orion test parent', constraint });
    expect(await count('orion_test_parent')).toBe(1);
  });
});

// A foreign-key miss inside a caller's transaction leaves the transaction open and its work in
// place: on SQLite the diagnosis runs its own savepoint on the connection the transaction holds;
// on PostgreSQL the call's own savepoint undoes the failed statement.
describe.each(DIALECTS)('a foreign-key miss inside a transaction (%s)', (dialect) => {
  it('keeps the caller transaction and its work', async () => {
    const db = await createTestDatabase({ dialect });
    try {
      const handle = dialectOf(db);
      const t = handle.tables;
      const stamp = new Date();
      const names = await db.transaction(async (tx) => {
        await tx.flows.create({ name: 'before' });
        const error = await handle
          .run((q) =>
            q
              .insert(t.flowRun)
              .values({ id: ID(4), name: 'r', flowId: MISSING, created: stamp, updated: stamp }),
          )
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ entity: 'flow', id: MISSING });
        await tx.flows.create({ name: 'after' });
        return (await tx.flows.list({ sort: 'NAME_ASC' })).map((f) => f.name);
      });
      expect(names).toEqual(['after', 'before']);
      expect((await db.flows.list()).length).toBe(2);
      expect(Number((await db.execute<{ n: unknown }>('select count(*) as n from flow_run'))[0]!.n)).toBe(0);
    } finally {
      await db.close();
    }
  });
});
