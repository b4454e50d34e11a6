/**
 * A PostgreSQL connection lost inside a transaction, at each statement that can find it: a call's
 * own query, the SAVEPOINT/RELEASE the transaction layer sends around calls and nested
 * transactions, and COMMIT. The backend is ended from a second connection (pg_terminate_backend).
 * Up to COMMIT the transaction is a retryable DatabaseError and nothing of it is written; lost
 * while COMMIT runs, the outcome is unknown and it is not retryable (docs/database.md).
 */
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, DatabaseError, type DatabaseScope } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { postgresServerUrl } from './support/dialects.js';

const url = await postgresServerUrl();
const LOCK = 7_104_711_000_999;

describe.runIf(url)('connection lost inside a transaction (PostgreSQL server)', () => {
  let admin: postgres.Sql;
  let db: Database;
  beforeAll(() => {
    admin = postgres(url!, { max: 1, onnotice: () => undefined });
  });
  afterAll(async () => {
    await admin.end();
  });
  beforeEach(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
  });
  afterEach(async () => {
    await db.close();
  });

  const pidOf = async (tx: DatabaseScope) =>
    Number((await tx.execute<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid);
  /** Ends the backend and waits (up to 10 s) until it is gone. */
  const kill = async (pid: number) => {
    await admin`select pg_terminate_backend(${pid}, 10000)`;
  };
  /** Waits until the backend waits on something (a sleep, a lock), then ends it. */
  const killWhenWaiting = async (pid: number, waitType: string, stop = { stopped: false }) => {
    while (!stop.stopped) {
      const [row] = await admin`select wait_event_type from pg_stat_activity where pid = ${pid}`;
      if (row?.wait_event_type === waitType) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await kill(pid);
  };
  const failure = (work: Promise<unknown>) =>
    work.then(
      () => {
        throw new Error('the transaction resolved');
      },
      (error: unknown) => error as DatabaseError,
    );
  /** Lost before COMMIT: retryable, says so, nothing written, and the handle goes on. */
  const expectRolledBack = async (error: DatabaseError) => {
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toMatch(/connection to the database was lost/);
    expect(error.message).toMatch(/did not commit/);
    expect(error.retryable).toBe(true);
    expect(await db.flows.count()).toBe(0);
    await db.transaction(async (tx) => {
      await tx.flows.create({ name: 'after' });
    });
    expect((await db.flows.list()).map((f) => f.name)).toEqual(['after']);
  };

  it('after the last call: the transaction fails retryable, or its COMMIT outcome is unknown', async () => {
    const error = await failure(
      db.transaction(async (tx) => {
        await tx.flows.create({ name: 'k' });
        await kill(await pidOf(tx));
      }),
    );
    // Whether the client saw the close before sending COMMIT is a race; the server never committed.
    if (error.retryable) await expectRolledBack(error);
    else {
      expect(error.message).toMatch(/cannot tell whether it committed/);
      expect(await db.flows.count()).toBe(0);
    }
  });

  it('after the last call, once the client saw the close: retryable, not ambiguous', async () => {
    const error = await failure(
      db.transaction(async (tx) => {
        await tx.flows.create({ name: 'k' });
        await kill(await pidOf(tx));
        // A call after the kill finds the close; COMMIT is then never sent.
        await tx.execute('select 1').catch(() => undefined);
      }),
    );
    await expectRolledBack(error);
  });

  it('between calls: the next call and the transaction fail retryable, even when the call is caught', async () => {
    let callError: unknown;
    const error = await failure(
      db.transaction(async (tx) => {
        await tx.flows.create({ name: 'k' });
        await kill(await pidOf(tx));
        callError = await tx.flows.create({ name: 'k2' }).catch((e: unknown) => e);
        // Caught: the transaction still cannot commit, and later calls fail the same way.
        await expect(tx.flows.count()).rejects.toMatchObject({ retryable: true });
      }),
    );
    expect(callError).toBeInstanceOf(DatabaseError);
    expect((callError as DatabaseError).message).toMatch(/did not commit/);
    expect((callError as DatabaseError).retryable).toBe(true);
    await expectRolledBack(error);
  });

  it('inside a nested transaction: its RELEASE finds the loss', async () => {
    const error = await failure(
      db.transaction(async (tx) => {
        await tx.flows.create({ name: 'outer' });
        await tx.transaction(async (tx2) => {
          await tx2.flows.create({ name: 'inner' });
          await kill(await pidOf(tx2));
        });
      }),
    );
    await expectRolledBack(error);
  });

  it('during execute, with only execute calls', async () => {
    const error = await failure(
      db.transaction(async (tx) => {
        await tx.execute(
          `insert into flow (id, name, created, updated) values (gen_random_uuid(), 'raw', now(), now())`,
        );
        const pid = await pidOf(tx);
        await Promise.all([tx.execute('select pg_sleep(30)'), killWhenWaiting(pid, 'Timeout')]);
      }),
    );
    await expectRolledBack(error);
  });

  it('while COMMIT runs: not retryable, and the message says the outcome is unknown', async () => {
    // A deferred constraint trigger runs at COMMIT and waits on an advisory lock that another
    // connection to the same database holds (advisory locks are per database).
    const [{ name }] = (await db.execute('select current_database() as name')) as [{ name: string }];
    const holder = postgres(url!, { max: 1, database: name, onnotice: () => undefined });
    await holder`select pg_advisory_lock(${LOCK}::bigint)`;
    const stop = { stopped: false };
    let killed: Promise<void> | undefined;
    try {
      const error = await failure(
        db.transaction(async (tx) => {
          await tx.flows.create({ name: 'k' });
          await tx.execute('create temp table commit_gate (x int)');
          await tx.execute(
            `create function pg_temp.wait_at_commit() returns trigger language plpgsql as $$ begin perform pg_advisory_xact_lock(${LOCK}); return null; end $$`,
          );
          await tx.execute(
            'create constraint trigger wait_at_commit after insert on commit_gate deferrable initially deferred for each row execute function pg_temp.wait_at_commit()',
          );
          await tx.execute('insert into commit_gate values (1)');
          killed = killWhenWaiting(await pidOf(tx), 'Lock', stop);
        }),
      );
      await killed;
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error.message).toMatch(/cannot tell whether it committed/);
      expect(error.retryable).toBe(false);
    } finally {
      stop.stopped = true;
      await holder.end();
    }
    // Here the server had not committed; the handle goes on.
    expect(await db.flows.count()).toBe(0);
    await db.flows.create({ name: 'after' });
    expect(await db.flows.count()).toBe(1);
  });
});
