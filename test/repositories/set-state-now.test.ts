/**
 * setState on SQLite runs synchronously when nothing could run before it (Dialect.transactionNow),
 * and knows the rows it wrote from the values it sent instead of reading them back (RETURNING).
 * These pin what that must not change, on both dialects through the same bodies: the returned run
 * and state are what a read finds, a call made while another holds the connection waits for it,
 * calls made together settle in order, errors are typed and carry the caller's frame, and a
 * statement failing half-way leaves nothing written and the handle usable.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  DatabaseError,
  NotFoundError,
  STATE_TYPES,
  StaleStateError,
  type StateType,
} from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import type { SqliteDialect } from '../../src/dialect/sqlite/sqlite-dialect.js';
import { DIALECTS } from '../support/dialects.js';
import { heldTransaction } from '../support/held-transaction.js';
import { dialectOf } from '../support/internals.js';

const BASE = Date.UTC(2026, 5, 1);
const MISSING = '0190a1b2-c3d4-7e5f-8a9b-0000000000ff';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A run without the fields derived from the time of the read. */
function stored<T extends { estimatedRunTime: number; estimatedStartTimeDelta: number }>(run: T) {
  const { estimatedRunTime: _r, estimatedStartTimeDelta: _s, ...rest } = run;
  return rest;
}

const jsonLeaf = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
);
const document = fc.dictionary(fc.constantFrom('a', 'b', 'é', 'key 1'), jsonLeaf, { maxKeys: 3 });

const step = fc.record({
  type: fc.constantFrom(...STATE_TYPES),
  name: fc.option(fc.constantFrom('Custom', 'Late', 'Ünïcode'), { nil: undefined }),
  offset: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
  message: fc.option(fc.option(fc.string({ maxLength: 20 }), { nil: null }), { nil: undefined }),
  data: fc.option(fc.oneof(document, jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 })), { nil: undefined }),
  scheduledIn: fc.option(fc.integer({ min: -100, max: 100 }), { nil: undefined }),
  extra: fc.option(document, { nil: undefined }),
});

describe.each(DIALECTS)('setState, synchronous where it can be (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'now' })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  it('property: the run and the state it returns are what reads find afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.boolean(),
        document,
        fc.array(step, { minLength: 1, maxLength: 6 }),
        async (task, resuming, parameters, steps) => {
          const flowRun = await db.flowRuns.create({
            flowId,
            parameters,
            tags: ['x', 'y'],
            labels: { team: 'a' },
            empiricalPolicy: { retries: 2, resuming },
          });
          const runs = task ? db.taskRuns : db.flowRuns;
          const run = task
            ? await db.taskRuns.create({ flowRunId: flowRun.id, taskKey: 't', dynamicKey: '0', tags: ['z'] })
            : flowRun;
          for (const s of steps) {
            const stateDetails =
              s.scheduledIn === undefined && s.extra === undefined
                ? undefined
                : {
                    ...s.extra,
                    ...(s.scheduledIn === undefined
                      ? {}
                      : { scheduledTime: new Date(BASE + s.scheduledIn * 1000).toISOString() }),
                  };
            const written = await runs.setState(run.id, {
              type: s.type as StateType,
              name: s.name,
              timestamp: s.offset === undefined ? undefined : new Date(BASE + s.offset * 1000),
              message: s.message,
              data: s.data,
              stateDetails,
            });
            const read = await runs.get(run.id);
            expect(stored(written.run as never)).toEqual(stored(read as never));
            expect(written.state).toEqual((await runs.states(run.id)).at(-1));
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('a setState made while a transaction holds the database stays out of it', async () => {
    const run = await db.flowRuns.create({ flowId });
    const settled: string[] = [];
    // A call just before: a turn of the event loop is not due, which would send setState the long way anyway.
    await db.flows.count();
    const { release, ended: transaction } = heldTransaction(
      db,
      (tx) => tx.flows.create({ name: 'in-tx' }),
      settled,
    );
    // Made outside the transaction's async context: a call of its own, never part of it.
    const outside = db.flowRuns.setState(run.id, { type: 'RUNNING' }).then((r) => {
      settled.push('setState');
      return r;
    });
    await delay(10);
    release();
    await Promise.all([transaction, outside]);
    // SQLite has one connection: the call waits for the transaction to end. A PostgreSQL pool runs
    // it beside the transaction, on a connection of its own.
    if (dialect === 'sqlite') expect(settled).toEqual(['transaction', 'setState']);
    expect((await db.flowRuns.get(run.id))?.stateType).toBe('RUNNING');
    expect((await db.flows.list()).map((f) => f.name)).not.toContain('in-tx');
  });

  // On SQLite calls outside a transaction run one at a time behind the connection's gate, in the
  // order they were made (a PostgreSQL pool runs them in parallel, so there only inside one).
  it('property: calls made together, setState among them, settle in the order they were made', async () => {
    const run = await db.flowRuns.create({ flowId });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 2, maxLength: 12 }), async (kinds) => {
        const order: number[] = [];
        const calls = (q: Pick<Database, 'flows' | 'flowRuns'>) =>
          Promise.all(
            kinds.map((transition, i) =>
              (transition ? q.flowRuns.setState(run.id, { type: 'RUNNING' }) : q.flows.count()).then(() =>
                order.push(i),
              ),
            ),
          );
        if (dialect === 'sqlite') await calls(db);
        else await db.transaction((tx) => calls(tx));
        expect(order).toEqual(kinds.map((_, i) => i));
      }),
      { numRuns: 30 },
    );
  });

  it("its errors are the typed ones and carry the caller's frame", async () => {
    const missing = await db.flowRuns.setState(MISSING, { type: 'RUNNING' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).stack).toContain('set-state-now.test.ts');
    const run = await db.flowRuns.create({ flowId });
    const { state } = await db.flowRuns.setState(run.id, { type: 'PENDING' });
    const stale = await db.flowRuns
      .setState(run.id, { type: 'RUNNING' }, { expectedStateId: null })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleStateError);
    expect((stale as Error).stack).toContain('set-state-now.test.ts');
    expect((await db.flowRuns.get(run.id))?.stateId).toBe(state.id);
    expect(await db.flowRuns.states(run.id)).toHaveLength(1);
  });

  it('a statement failing after the state was appended leaves nothing written and the handle usable', async () => {
    // A trigger refusing the run's UPDATE: the failure comes after the state row's INSERT.
    if (dialect === 'sqlite') {
      // On the connection itself: db.execute refuses the END that closes a trigger's body.
      (dialectOf(db) as SqliteDialect).connection.exec(
        "create trigger orion_test_refuse before update on flow_run when new.name = 'refused' begin select raise(abort, 'refused by the test'); end",
      );
    } else {
      await db.execute(
        "create function orion_test_refuse() returns trigger language plpgsql as $$ begin if new.name = 'refused' then raise exception 'refused by the test'; end if; return new; end $$",
      );
      await db.execute(
        'create trigger orion_test_refuse before update on flow_run for each row execute function orion_test_refuse()',
      );
    }
    const refused = await db.flowRuns.create({ flowId, name: 'refused' });
    const error = await db.flowRuns.setState(refused.id, { type: 'RUNNING' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toContain('refused by the test');
    expect((error as Error).stack).toContain('set-state-now.test.ts');
    expect(await db.flowRuns.states(refused.id)).toEqual([]);
    expect((await db.flowRuns.get(refused.id))?.stateId).toBeNull();
    // Nothing was left open: the next calls, a transaction among them, run and commit.
    const other = await db.flowRuns.create({ flowId });
    expect((await db.flowRuns.setState(other.id, { type: 'RUNNING' })).run.runCount).toBe(1);
    await db.transaction(async (tx) => {
      await tx.flowRuns.setState(other.id, { type: 'COMPLETED' });
    });
    expect((await db.flowRuns.get(other.id))?.stateType).toBe('COMPLETED');
  });
});
