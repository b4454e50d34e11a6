/**
 * Calls on a handle that closed, or on a `tx` handle whose transaction ended, are a DatabaseError
 * whatever the method and its arguments (docs/database.md: "any call after it is a DatabaseError";
 * "This transaction has already committed"). A fresh user's trial (2026-12-02) found three that
 * were not: `logs.createMany` after close or on an ended `tx` threw a TypeError (the timeout
 * message read `.code` of an error with no cause), a first SQLite `setState` after close threw
 * better-sqlite3's own TypeError (its statements were prepared on the closed connection), and
 * `logs.createMany([])` after close resolved 0. The property calls every public method with
 * arguments drawn from a pool of valid and invalid shapes.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, type DatabaseScope, DatabaseError, createDatabase } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { PUBLIC_METHODS } from '../src/public/method-names.js';
import { DIALECTS, postgresIsServer } from './support/dialects.js';
import { heldTransaction } from './support/held-transaction.js';

type Method = { name: string; call: (...args: unknown[]) => unknown };

/** The public methods of a handle (on a `tx` handle, those it has), as taken off their objects. */
function methodsOf(scope: DatabaseScope | Database): Method[] {
  const out: Method[] = [];
  for (const [owner, all] of Object.entries(PUBLIC_METHODS)) {
    const names = Object.keys(all).filter((name) => name !== 'close');
    const object = (owner === 'db'
      ? scope
      : owner === 'deployments.schedules'
        ? scope.deployments.schedules
        : scope[owner as 'flows']) as unknown as Record<string, unknown>;
    for (const name of names) {
      const call = object[name];
      if (owner === 'db' && call === undefined) continue; // migrate and reset are the Database's
      expect(typeof call, `${owner}.${name}`).toBe('function');
      out.push({ name: `${owner}.${name}`, call: call as Method['call'] });
    }
  }
  return out;
}

/** What a call came to: its rejection or throw, the first read of a stream it returned, or its value. */
async function outcome(call: () => unknown): Promise<unknown> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return error;
  }
  try {
    if (result instanceof Promise) return { resolved: await result };
    if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      for await (const item of result as AsyncIterable<unknown>) return { yielded: item };
      return { yielded: 'nothing' };
    }
  } catch (error) {
    return error;
  }
  return { returned: result };
}

const ID = '0190a5c0-0000-7000-8000-000000000001';
const argument = fc.constantFrom<unknown>(
  undefined,
  null,
  {},
  [],
  ID,
  'x',
  'select 1',
  0,
  7,
  [ID],
  { name: 'x' },
  { flowId: ID },
  { tags: [] },
  { taskRunId: ID, tags: [] },
  { type: 'RUNNING' },
  [{ name: 'p', level: 'INFO', message: 'm' }],
  { where: {} },
  async () => 1,
);

function expectRefused(result: unknown, name: string, message: RegExp): void {
  expect(result, name).toBeInstanceOf(DatabaseError);
  expect((result as Error).message, name).toMatch(message);
}

/** Calls of `methods` with arguments drawn from the pool are each refused with `message`. */
function refusedWithAnyArguments(methods: Method[], message: RegExp): Promise<void> {
  return fc.assert(
    fc.asyncProperty(
      fc.nat(methods.length - 1),
      fc.array(argument, { maxLength: 3 }),
      async (index, args) => {
        const method = methods[index]!;
        expectRefused(await outcome(() => method.call(...args)), method.name, message);
      },
    ),
    { numRuns: 150 },
  );
}

describe.each(DIALECTS)('calls after the handle or its transaction ended (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it("the trial's calls after close: createMany, a first setState, an empty batch, no tags", async () => {
    const flow = await db.flows.create({ name: 'f' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    const task = await db.taskRuns.create({ flowRunId: run.id, taskKey: 't', dynamicKey: '0' });
    await db.close();
    const closed = /handle is closed/;
    const log = { name: 'p', level: 'INFO' as const, message: 'm', flowRunId: run.id };
    expectRefused(await outcome(() => db.logs.createMany([log])), 'createMany', closed);
    expectRefused(await outcome(() => db.logs.createMany([])), 'createMany([])', closed);
    expectRefused(await outcome(() => db.flowRuns.setState(run.id, { type: 'RUNNING' })), 'setState', closed);
    expectRefused(await outcome(() => db.taskRuns.setState(task.id, { type: 'RUNNING' })), 'task', closed);
    const noTags = { taskRunId: task.id, tags: [] };
    expectRefused(await outcome(() => db.concurrencyLimits.acquire(noTags)), 'acquire', closed);
    expectRefused(await outcome(() => db.logs.stream({})), 'stream', closed);
    await db.close(); // idempotent
  });

  it("the trial's calls on a tx handle after its transaction committed or rolled back", async () => {
    const flow = await db.flows.create({ name: 'f' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    let committed!: DatabaseScope;
    await db.transaction(async (tx) => {
      committed = tx;
    });
    let rolledBack!: DatabaseScope;
    await db
      .transaction(async (tx) => {
        rolledBack = tx;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const log = { name: 'p', level: 'INFO' as const, message: 'm', flowRunId: run.id };
    for (const [tx, how] of [
      [committed, /already committed/],
      [rolledBack, /already rolled back/],
    ] as const) {
      expectRefused(await outcome(() => tx.logs.createMany([log])), 'createMany', how);
      expectRefused(await outcome(() => tx.logs.createMany([])), 'createMany([])', how);
      expectRefused(await outcome(() => tx.flowRuns.setState(run.id, { type: 'RUNNING' })), 'setState', how);
      expectRefused(await outcome(() => tx.flows.create({ name: 'g' })), 'create', how);
    }
    // Nothing of it was written, and the handle itself goes on.
    expect(await db.logs.count()).toBe(0);
    expect((await db.flowRuns.get(run.id))?.stateType).not.toBe('RUNNING');
    expect((await db.flows.list()).map((f) => f.name)).toEqual(['f']);
  });

  it('every public method, with any arguments, after close or on an ended tx: a DatabaseError', async () => {
    const flow = await db.flows.create({ name: 'f' });
    await db.flowRuns.create({ flowId: flow.id });
    let ended!: DatabaseScope;
    await db.transaction(async (tx) => {
      ended = tx;
    });
    const onEnded = methodsOf(ended);
    expect(onEnded.length).toBe(110); // all but migrate and reset
    await refusedWithAnyArguments(onEnded, /already committed/);
    await db.close();
    const onClosed = methodsOf(db);
    expect(onClosed.length).toBe(112);
    await refusedWithAnyArguments(onClosed, /handle is closed/);
    // And each method once with no arguments.
    for (const method of onClosed) {
      expectRefused(await outcome(() => method.call()), method.name, /handle is closed/);
    }
  });
});

// A second handle with a short timeout needs the server's URL (a PGlite test database has none).
describe.skipIf(!(await postgresIsServer()))(
  'a createMany that waits for a lock past the statement timeout (postgresql)',
  () => {
    let db: Database;
    beforeEach(async () => {
      db = await createTestDatabase({ dialect: 'postgresql' });
    });
    afterEach(async () => {
      await db.close();
    });

    it('is a retryable DatabaseError naming the lock as a cause, and writes nothing', async () => {
      // The trial's case: another session holds the log table; the message blamed the trigram index.
      const short = await createDatabase({ url: db.settings.url, timeoutSeconds: 1, migrateOnOpen: false });
      try {
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve;
        });
        const holder = heldTransaction(
          db,
          async (tx) => {
            await tx.execute('lock table log in exclusive mode');
            locked();
          },
          [],
        );
        await isLocked;
        const result = await outcome(() =>
          short.logs.createMany([{ name: 'p', level: 'INFO', message: 'm' }]),
        );
        holder.release();
        await holder.ended;
        expect(result).toBeInstanceOf(DatabaseError);
        expect((result as DatabaseError).retryable).toBe(true);
        expect((result as Error).message).toMatch(
          /waited for a lock another transaction holds on the log table/,
        );
        expect((result as Error).message).toMatch(/57014/);
        expect(await db.logs.count()).toBe(0);
      } finally {
        await short.close();
      }
    });
  },
);
