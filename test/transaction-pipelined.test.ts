/**
 * BEGIN sent along a transaction's first statement and COMMIT along its last, on the postgres.js
 * dialect only (reserved-transaction.ts; a claim is two round trips instead of four): SQLite and
 * PGlite run in-process, with no round trip to save, and the faults need a server — a client
 * whose BEGIN fails on a live connection, a second connection that holds locks and ends backends.
 *
 * - a failing BEGIN: the read behind it ran outside any transaction, and nothing else is sent;
 * - a statement that is not a plain SELECT never goes ahead of BEGIN's answer;
 * - a failing last write: COMMIT answers ROLLBACK, the call fails with the write's error, and the
 *   one connection goes on;
 * - a connection lost while the first read waits: did not commit, retryable; while the last write
 *   or its COMMIT runs: the outcome is unknown (COMMIT was written), not retryable.
 */
import postgres from 'postgres';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReservedTransaction, isPlainRead } from '../src/dialect/postgres/reserved-transaction.js';
import { ONE_STATEMENT_MAX_LIMIT } from '../src/repositories/claim-one-statement.js';
import { type Database, DatabaseError, createDatabase } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { postgresServerUrl } from './support/dialects.js';

const url = await postgresServerUrl();
const LOCK = 7_104_711_000_998;
const REFUSED_BEGIN = `do $$ begin raise exception 'begin refused by the test'; end $$`;

describe.runIf(url)('pipelined BEGIN and COMMIT (PostgreSQL server)', () => {
  let admin: postgres.Sql;
  let db: Database;
  /** The test database's URL. */
  let dbUrl: string;
  /** A one-connection client on it whose BEGIN fails while `failBegin` is set, recording statements. */
  let client: postgres.Sql;
  let onOne: Database;
  let failBegin = false;
  let sent: string[] = [];
  let runIds: string[];
  let flowId: string;

  /** Three due runs in the pool's default queue, as `runIds`. */
  async function addRuns(): Promise<void> {
    const queueId = (await db.workQueues.getByName('pool', 'default'))!.id;
    runIds = [];
    for (let i = 0; i < 3; i++) {
      const scheduledTime = new Date(Date.now() - (10 - i) * 60_000).toISOString();
      const state = { type: 'SCHEDULED' as const, stateDetails: { scheduledTime } };
      runIds.push((await db.flowRuns.create({ flowId, workQueueId: queueId, state })).id);
    }
  }

  beforeAll(() => {
    admin = postgres(url!, { max: 1, onnotice: () => undefined });
    // Ended after the last test (vitest runs a function beforeAll returns as its teardown).
    return () => admin.end();
  });
  beforeEach(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
    const [{ name }] = (await db.execute('select current_database() as name')) as [{ name: string }];
    const at = new URL(url!);
    at.pathname = `/${name}`;
    dbUrl = at.toString();
    const raw = postgres(dbUrl, {
      max: 1,
      onnotice: () => undefined,
      debug: (_connection, text) => sent.push(text.trim().split(/\s+/).slice(0, 3).join(' ').toLowerCase()),
    });
    client = withFailingBegin(raw, () => failBegin);
    onOne = await createDatabase({ client });
    flowId = (await db.flows.create({ name: 'f' })).id;
    await db.workPools.create({ name: 'pool' });
    await addRuns();
    failBegin = false;
    sent = [];
  });
  afterEach(async () => {
    await onOne.close();
    // A connection that closed under a transaction is never handed back (connection-watch.ts).
    await client.end({ timeout: 1 });
    await db.close();
  });

  // A claim of more than ONE_STATEMENT_MAX_LIMIT runs: a transaction of its own, BEGIN with its
  // pool read and COMMIT with its write (a smaller one beside no limit is one statement without
  // BEGIN or COMMIT: claim-one-statement.ts).
  const claim = (on: Database) =>
    on.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: ONE_STATEMENT_MAX_LIMIT + 1 });
  const failure = (work: Promise<unknown>) =>
    work.then(
      () => {
        throw new Error('the call resolved');
      },
      (error: unknown) => error as DatabaseError,
    );
  const states = async () => Promise.all(runIds.map(async (id) => (await db.flowRuns.get(id))!.stateType));
  const pidOf = async (on: Database) =>
    Number((await on.execute<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid);
  /**
   * Runs `call` on `pid`'s connection; once that backend waits on a lock, ends it. Resolves to the
   * call's error (stops looking if the call settles first: then the test fails on its result).
   */
  const lostWhileWaiting = async (pid: number, call: Promise<unknown>) => {
    let settled = false;
    const outcome = failure(call).finally(() => {
      settled = true;
    });
    while (!settled) {
      const [row] = await admin`select wait_event_type from pg_stat_activity where pid = ${pid}`;
      if (row?.wait_event_type === 'Lock') {
        await admin`select pg_terminate_backend(${pid}, 10000)`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return outcome;
  };
  /** A second connection to the test database holding `statement`'s lock while `fn` runs. */
  async function whileHeld<T>(statement: string, fn: () => Promise<T>): Promise<T> {
    const holder = postgres(dbUrl, { max: 1, onnotice: () => undefined });
    try {
      const reserved = await holder.reserve();
      await reserved.unsafe('begin');
      await reserved.unsafe(statement);
      try {
        return await fn();
      } finally {
        await reserved.unsafe('rollback');
        reserved.release();
      }
    } finally {
      await holder.end();
    }
  }

  it('a claim sends BEGIN with its pool read and COMMIT with its write', async () => {
    expect((await claim(onOne)).map((r) => r.id)).toEqual(runIds);
    expect(sent.map((s) => s.split(' ')[0])).toEqual(['begin', 'select', 'with', 'commit']);
  });

  it('a BEGIN that fails: the read behind it ran alone, nothing else is sent, and the connection goes on', async () => {
    failBegin = true;
    const error = await failure(claim(onOne));
    failBegin = false;
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toMatch(/begin refused by the test/);
    // The failed "BEGIN", the pool read pipelined behind it; no locking read, no write, no COMMIT.
    expect(sent.map((s) => s.split(' ')[0])).toEqual(['do', 'select']);
    expect(await states()).toEqual(['SCHEDULED', 'SCHEDULED', 'SCHEDULED']);
    expect((await claim(onOne)).map((r) => r.id)).toEqual(runIds);
  });

  it('a statement that is not a plain SELECT waits for BEGIN, and never runs when BEGIN fails', async () => {
    await db.execute('create table orion_test_rows (x int)');
    const reserved = await withFailingBegin(postgres(dbUrl, { max: 1 }), () => true).reserve();
    try {
      const transaction = await ReservedTransaction.open(reserved, true);
      const insert = transaction.client.unsafe('insert into orion_test_rows values (1)');
      await expect(insert).rejects.toMatchObject({ code: 'P0001' });
      expect(await transaction.rollback()).toBeUndefined();
      expect(await db.execute('select x from orion_test_rows')).toEqual([]);
    } finally {
      reserved.release();
    }
    for (const text of [
      'select id from work_pool where name = $1',
      'select id from flow_run where state_type = $1 for update of "flow_run" skip locked',
      'select id, updated from t for no key update',
    ])
      expect(isPlainRead(text), text).toBe(true);
    for (const text of [
      'with x as (insert into t values (1) returning id) select id from x',
      'select nextval($1)',
      'select * into copy from t',
      'update t set x = 1',
      'select f(x) from t for update; update t set x = 1',
    ])
      expect(isPlainRead(text), text).toBe(false);
  });

  it('a statement after the last one is refused: it would run outside the transaction', async () => {
    const reserved = await client.reserve();
    try {
      const transaction = await ReservedTransaction.open(reserved, false);
      await transaction.lastStatement(
        () => transaction.client.unsafe('select 1') as unknown as Promise<unknown>,
      );
      await expect(transaction.client.unsafe('select 2')).rejects.toThrow(
        /after the one its transaction committed with/,
      );
      await transaction.commit();
    } finally {
      reserved.release();
    }
  });

  it('a last write that fails: COMMIT answers ROLLBACK, the write’s error, and the one connection goes on', async () => {
    await db.execute(
      `create function orion_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`,
    );
    await db.execute(
      'create trigger orion_test_refuse before insert on flow_run_state for each row execute function orion_test_refuse()',
    );
    const error = await failure(claim(onOne));
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toMatch(/refused by the test/);
    // COMMIT went with the write (answered ROLLBACK); no ROLLBACK of our own after it.
    expect(sent.map((s) => s.split(' ')[0])).toEqual(['begin', 'select', 'with', 'commit']);
    expect(await states()).toEqual(['SCHEDULED', 'SCHEDULED', 'SCHEDULED']);
    await db.execute('drop trigger orion_test_refuse on flow_run_state');
    expect((await claim(onOne)).map((r) => r.id)).toEqual(runIds);
  });

  it('a connection lost while the read behind BEGIN waits: did not commit, retryable', async () => {
    const pid = await pidOf(onOne);
    const error = await whileHeld('lock table work_pool in access exclusive mode', () =>
      lostWhileWaiting(pid, claim(onOne)),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toMatch(/did not commit/);
    expect(error.retryable).toBe(true);
    expect(await states()).toEqual(['SCHEDULED', 'SCHEDULED', 'SCHEDULED']);
    // On another pool: postgres.js can hand a killed session's 57P01 to the next query on a pool of one.
    expect(await claim(db)).toHaveLength(3);
  });

  it.each([
    ['while the last write runs', 'before insert on flow_run_state for each row'],
    ['while its COMMIT runs', 'after insert on flow_run_state deferrable initially deferred for each row'],
  ])('a connection lost %s, COMMIT written behind it: outcome unknown, not retryable', async (_, when) => {
    await db.execute(
      `create function orion_test_wait() returns trigger language plpgsql as $$ begin perform pg_advisory_xact_lock(${LOCK}); return new; end $$`,
    );
    const constraint = when.includes('deferred') ? 'constraint ' : '';
    // Once on this connection first: a statement new on a connection is described before it runs,
    // and COMMIT waits behind it, unwritten (then a loss is "did not commit", as it should be).
    expect(await claim(onOne)).toHaveLength(3);
    await addRuns();
    await db.execute(
      `create ${constraint}trigger orion_test_wait ${when} execute function orion_test_wait()`,
    );
    const pid = await pidOf(onOne);
    const error = await whileHeld(`select pg_advisory_xact_lock(${LOCK})`, () =>
      lostWhileWaiting(pid, claim(onOne)),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toMatch(/cannot tell whether it committed/);
    expect(error.retryable).toBe(false);
    // Here the server had not committed; the handle goes on.
    expect(await states()).toEqual(['SCHEDULED', 'SCHEDULED', 'SCHEDULED']);
    await db.execute('drop trigger orion_test_wait on flow_run_state');
    expect(await claim(db)).toHaveLength(3);
  });
});

/**
 * `client` whose reserved connections send a statement that raises an error for BEGIN while
 * `failing()`: a BEGIN that fails on a live connection (the server answers, the session goes on).
 */
function withFailingBegin(client: postgres.Sql, failing: () => boolean): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'reserve') return typeof value === 'function' ? value.bind(target) : value;
      return async () => {
        const reserved = await target.reserve();
        return new Proxy(reserved, {
          get(on, name, r) {
            const member = Reflect.get(on, name, r);
            if (name !== 'unsafe') return typeof member === 'function' ? member.bind(on) : member;
            return (text: string, ...rest: unknown[]) =>
              (member as (...a: unknown[]) => unknown).call(
                on,
                text === 'begin' && failing() ? REFUSED_BEGIN : text,
                ...rest,
              );
          },
        });
      };
    },
  });
}
