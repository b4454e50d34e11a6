import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, type Database, DatabaseError, NotFoundError, StaleStateError } from '../src/index.js';
import type { TransactionConnection } from '../src/dialect/transaction.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DIALECTS)('transactions (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  const count = async () =>
    Number((await db.execute<{ n: number }>('select count(*) as n from configuration'))[0]!.n);
  const insert = (scope: Pick<Database, 'execute'>, key: string) =>
    scope.execute(
      sql`insert into configuration (id, created, updated, key, value) values (${crypto.randomUUID()}, ${now(dialect)}, ${now(dialect)}, ${key}, ${'{}'})`,
    );

  it('commits what the callback wrote and returns its value', async () => {
    const result = await db.transaction(async (tx) => {
      await insert(tx, 'a');
      return 42;
    });
    expect(result).toBe(42);
    expect(await count()).toBe(1);
  });

  it('rolls everything back when the callback throws', async () => {
    await expect(
      db.transaction(async (tx) => {
        await insert(tx, 'a');
        await delay(5);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await count()).toBe(0);
  });

  it('lets a call on db inside the callback join the transaction', async () => {
    await expect(
      db.transaction(async () => {
        await insert(db, 'joined');
        expect(await count()).toBe(1);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await count()).toBe(0);
  });

  it('nests with savepoints: an inner failure rolls back only the inner part', async () => {
    await db.transaction(async (tx) => {
      await insert(tx, 'outer');
      await expect(
        tx.transaction(async (inner) => {
          await insert(inner, 'inner');
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await tx.transaction(async (inner) => insert(inner, 'inner-2'));
    });
    const keys = (await db.execute<{ key: string }>('select key from configuration order by key')).map(
      (r) => r.key,
    );
    expect(keys).toEqual(['inner-2', 'outer']);
  });

  it('never interleaves two concurrent transactions with awaits inside', async () => {
    let seenByOther = -1;
    const first = db
      .transaction(async (tx) => {
        await insert(tx, 'rolled-back');
        await delay(30);
        throw new Error('first rolls back');
      })
      .catch(() => 'rolled back');
    const second = db.transaction(async (tx) => {
      seenByOther = Number(
        (await tx.execute<{ n: number }>('select count(*) as n from configuration'))[0]!.n,
      );
      await insert(tx, 'kept');
    });
    await Promise.all([first, second]);
    expect(seenByOther).toBe(0);
    expect((await db.execute<{ key: string }>('select key from configuration')).map((r) => r.key)).toEqual([
      'kept',
    ]);
  });

  it('keeps a plain call made meanwhile out of an open transaction', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tx = db
      .transaction(async (t) => {
        await insert(t, 'in-tx');
        await gate;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await delay(10);
    // Started outside the transaction's async context: must not land inside it.
    const plain = insert(db, 'plain');
    await delay(10);
    release();
    await Promise.all([tx, plain]);
    expect((await db.execute<{ key: string }>('select key from configuration')).map((r) => r.key)).toEqual([
      'plain',
    ]);
  });

  describe('scope: a transaction ends when it commits or rolls back', () => {
    it('a late call on db from a timer is a call of its own, untouched by a transaction open then', async () => {
      let late!: Promise<unknown>;
      await db.transaction(async (tx) => {
        await tx.flows.create({ name: 'a' });
        late = new Promise((resolve, reject) => {
          setTimeout(() => db.flows.create({ name: 'b' }).then(resolve, reject), 30);
        });
      });
      // Another transaction is open when the timer fires, and rolls back: the late write must survive.
      await db
        .transaction(async (tx) => {
          await tx.flows.create({ name: 'doomed' });
          await delay(80);
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await expect(late).resolves.toMatchObject({ name: 'b' });
      expect((await db.flows.list()).map((f) => f.name).sort()).toEqual(['a', 'b']);
    });

    it('a late call on db after a rollback is a call of its own too', async () => {
      let finished!: () => void;
      const ended = new Promise<void>((resolve) => {
        finished = resolve;
      });
      let late!: Promise<unknown>;
      await db
        .transaction(async (tx) => {
          await tx.flows.create({ name: 'rolled-back' });
          late = ended.then(() => db.flows.create({ name: 'after' }));
          throw new Error('undo');
        })
        .catch(() => undefined);
      finished();
      await late;
      expect((await db.flows.list()).map((f) => f.name)).toEqual(['after']);
    });

    it('a call on a tx handle after the end is a DatabaseError saying so, and writes nothing', async () => {
      let kept!: Database['flows'];
      let keptTx!: Pick<Database, 'execute'>;
      await db.transaction(async (tx) => {
        kept = tx.flows;
        keptTx = tx;
      });
      await expect(kept.create({ name: 'late' })).rejects.toThrow(/transaction has already committed/);
      await expect(insert(keptTx, 'late')).rejects.toBeInstanceOf(DatabaseError);
      await db
        .transaction(async (tx) => {
          kept = tx.flows;
          throw new Error('undo');
        })
        .catch(() => undefined);
      await expect(kept.create({ name: 'late' })).rejects.toThrow(/rolled back/);
      expect(await db.flows.count()).toBe(0);
    });

    it('the commit waits for calls the callback started and did not await', async () => {
      await db.transaction(async (tx) => {
        void tx.flows.create({ name: 'not-awaited' });
        void db.flows.create({ name: 'not-awaited-either' });
      });
      expect(await db.flows.count()).toBe(2);
    });
  });

  describe('concurrency inside one transaction', () => {
    it('runs concurrent calls one at a time, in the order they were made', async () => {
      const counts = await db.transaction(async (tx) => {
        const results = await Promise.all([
          insert(tx, 'a'),
          tx.execute<{ n: number }>('select count(*) as n from configuration'),
          insert(tx, 'b'),
          tx.execute<{ n: number }>('select count(*) as n from configuration'),
          tx.flows.create({ name: 'x' }),
          tx.flows.create({ name: 'y' }),
        ]);
        return [Number((results[1] as { n: number }[])[0]!.n), Number((results[3] as { n: number }[])[0]!.n)];
      });
      expect(counts).toEqual([1, 2]);
      expect(await count()).toBe(2);
      expect(await db.flows.count()).toBe(2);
    });

    it('a caught failure of one call leaves the transaction and the other calls intact', async () => {
      await db.transaction(async (tx) => {
        await insert(tx, 'first');
        // A unique violation is a driver error: on PostgreSQL it would abort the whole transaction.
        await expect(insert(tx, 'first')).rejects.toBeInstanceOf(ConflictError);
        await insert(tx, 'second');
      });
      expect(await count()).toBe(2);
    });

    it('concurrent compare-and-set transitions whose StaleStateErrors are caught still commit the rest', async () => {
      const flow = await db.flows.create({ name: 'cas' });
      const run = await db.flowRuns.create({ flowId: flow.id, state: { type: 'PENDING' } });
      const outcomes = await db.transaction(async (tx) => {
        await tx.flows.create({ name: 'written-before' });
        const settled = await Promise.allSettled(
          Array.from({ length: 5 }, () =>
            tx.flowRuns.setState(run.id, { type: 'RUNNING' }, { expectedStateId: run.stateId }),
          ),
        );
        await tx.flows.create({ name: 'written-after' });
        return settled;
      });
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
        expect(o.reason).toBeInstanceOf(StaleStateError);
      }
      expect((await db.flows.list()).map((f) => f.name).sort()).toEqual([
        'cas',
        'written-after',
        'written-before',
      ]);
      expect((await db.flowRuns.states(run.id)).map((s) => s.type)).toEqual(['PENDING', 'RUNNING']);
    });

    it('concurrent nested transactions each keep or lose their own work', async () => {
      await db.transaction(async (tx) => {
        await Promise.allSettled([
          tx.transaction(async (inner) => {
            await insert(inner, 'kept-1');
          }),
          tx.transaction(async (inner) => {
            await insert(inner, 'lost');
            throw new Error('inner fails');
          }),
          tx.transaction(async (inner) => {
            await insert(inner, 'kept-2');
          }),
        ]);
      });
      const keys = (await db.execute<{ key: string }>('select key from configuration order by key')).map(
        (r) => r.key,
      );
      expect(keys).toEqual(['kept-1', 'kept-2']);
    });

    it('calls on the outer tx handle inside a nested transaction join the nested one', async () => {
      await db.transaction(async (outer) => {
        await outer
          .transaction(async () => {
            await insert(outer, 'joined-inner');
            throw new Error('inner rolls back');
          })
          .catch(() => undefined);
        await insert(outer, 'outer');
      });
      expect((await db.execute<{ key: string }>('select key from configuration')).map((r) => r.key)).toEqual([
        'outer',
      ]);
    });
  });

  describe('errors', () => {
    class RuleViolation extends Error {}

    it("the callback's own error comes back as the same object", async () => {
      const thrown = new RuleViolation('rule violated');
      const error = await db
        .transaction(async (tx) => {
          await tx.flows.create({ name: 'a' });
          throw thrown;
        })
        .catch((e: unknown) => e);
      expect(error).toBe(thrown);
      expect(error).toBeInstanceOf(RuleViolation);
      expect(await db.flows.count()).toBe(0);
    });

    it('the same from a nested transaction, and values that are not errors too', async () => {
      const thrown = new RuleViolation('inner');
      await db.transaction(async (tx) => {
        await expect(
          tx.transaction(async () => {
            throw thrown;
          }),
        ).rejects.toBe(thrown);
      });
      await expect(
        db.transaction(async () => {
          throw 'a string';
        }),
      ).rejects.toBe('a string');
    });

    it("errors the library raises carry the caller's stack frame", async () => {
      const error = await db.flows
        .update('0190a1b2-c3d4-7e5f-8a9b-0000000000ff', { tags: [] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).stack).toContain('transactions.test.ts');
      const conflict = await db.transaction(async (tx) => {
        await insert(tx, 'dup');
        return insert(tx, 'dup').catch((e: unknown) => e);
      });
      expect(conflict).toBeInstanceOf(ConflictError);
      expect((conflict as Error).stack).toContain('transactions.test.ts');
    });
  });

  it.runIf(dialect === 'postgresql')(
    'a COMMIT that PostgreSQL answers with ROLLBACK (an aborted transaction) is an error, never success',
    async () => {
      // The library never leaves a transaction aborted (every call has its savepoint), so drive the
      // dialect's own primitive: a failed statement outside any savepoint, then COMMIT.
      const handle = (db as unknown as { handle: { openTransaction(): Promise<TransactionConnection> } })
        .handle;
      const connection = await handle.openTransaction();
      try {
        await connection.exec(
          `insert into configuration (id, created, updated, key, value) values ('${crypto.randomUUID()}', now(), now(), 'lost', '{}')`,
        );
        await expect(connection.exec('select 1/0')).rejects.toThrow();
        await expect(connection.commit()).rejects.toThrow(/answered COMMIT with ROLLBACK/);
      } finally {
        connection.release();
      }
      expect(await count()).toBe(0);
    },
  );

  it('close() is idempotent and later calls fail with DatabaseError', async () => {
    const other = await createTestDatabase({ dialect });
    await other.close();
    await other.close();
    await expect(other.execute('select 1')).rejects.toBeInstanceOf(DatabaseError);
  });
});

/** The raw timestamp representation of "now" for each dialect (the escape hatch bypasses Drizzle's mapping). */
function now(dialect: string) {
  return dialect === 'sqlite' ? Date.now() : new Date().toISOString();
}
