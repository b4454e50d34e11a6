/**
 * A claim's final write, which on PostgreSQL carries the transaction's COMMIT when the claim runs
 * in a transaction of its own (docs/decisions.md, "Pipelined BEGIN and COMMIT"): when the write
 * fails, the claim fails with the write's own typed error and nothing of it is written (its runs
 * stay SCHEDULED, its queue is not marked polled); inside the caller's transaction the write is a
 * savepoint's and commits with the caller, never before.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, DatabaseError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { dialectOf } from '../support/internals.js';

describe.each(DIALECTS)('a claim’s final write (%s)', (dialect) => {
  let db: Database;
  let queueId: string;
  let runIds: string[];
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    const flowId = (await db.flows.create({ name: 'f' })).id;
    await db.workPools.create({ name: 'pool' });
    queueId = (await db.workQueues.getByName('pool', 'default'))!.id;
    runIds = [];
    for (let i = 0; i < 3; i++) {
      const run = await db.flowRuns.create({
        flowId,
        workQueueId: queueId,
        state: {
          type: 'SCHEDULED',
          stateDetails: { scheduledTime: new Date(Date.now() - (10 - i) * 60_000).toISOString() },
        },
      });
      runIds.push(run.id);
    }
  });
  afterEach(async () => {
    await db.close();
  });

  const claim = () => db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 10 });
  const states = async () => Promise.all(runIds.map(async (id) => (await db.flowRuns.get(id))!.stateType));

  /** A trigger that makes every insert of a flow run state fail: the claim's write. */
  async function failStateInserts(): Promise<void> {
    if (dialect === 'postgresql') {
      await db.execute(
        `create function orion_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'state inserts refused by the test'; end $$`,
      );
      await db.execute(
        'create trigger orion_test_refuse before insert on flow_run_state for each row execute function orion_test_refuse()',
      );
    } else {
      // Through the dialect: db.execute refuses a text with a `; end` in it (as an END statement).
      const handle = dialectOf(db);
      await handle.run((executor) =>
        handle.runText(
          executor,
          `create trigger orion_test_refuse before insert on flow_run_state begin select raise(abort, 'state inserts refused by the test'); end`,
          [],
        ),
      );
    }
  }

  it('that fails: the write’s typed error, nothing written, and the next claim takes the runs', async () => {
    await failStateInserts();
    const error = await claim().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    // The write's own error, not "PostgreSQL answered COMMIT with ROLLBACK".
    expect((error as DatabaseError).message).toMatch(/state inserts refused by the test/);
    expect(await states()).toEqual(['SCHEDULED', 'SCHEDULED', 'SCHEDULED']);
    // The poll marks travel in the same write on PostgreSQL: not written either.
    expect((await db.workQueues.get(queueId))!.lastPolled).toBeNull();
    await db.execute(
      'drop trigger orion_test_refuse' + (dialect === 'postgresql' ? ' on flow_run_state' : ''),
    );
    expect((await claim()).map((r) => r.id)).toEqual(runIds);
    expect(await states()).toEqual(['PENDING', 'PENDING', 'PENDING']);
  });

  it('inside the caller’s transaction: commits with it, so a later call runs and a rollback undoes it', async () => {
    const undo = new Error('undo');
    await expect(
      db.transaction(async (tx) => {
        expect(await tx.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 10 })).toHaveLength(3);
        // A statement after the claim's write still runs in the transaction (no COMMIT went with it).
        expect((await tx.flowRuns.get(runIds[0]!))!.stateType).toBe('PENDING');
        throw undo;
      }),
    ).rejects.toBe(undo);
    expect(await states()).toEqual(['SCHEDULED', 'SCHEDULED', 'SCHEDULED']);
    expect((await db.workQueues.get(queueId))!.lastPolled).toBeNull();
    await db.transaction(async (tx) => {
      expect(await tx.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 10 })).toHaveLength(3);
    });
    expect(await states()).toEqual(['PENDING', 'PENDING', 'PENDING']);
  });
});
