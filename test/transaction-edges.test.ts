/**
 * Transaction edge cases found by trying the package as a new user would (issue 7 §1): promise
 * chains that outlive the callback, callbacks that are not async, handles and connections that
 * go away, raw SQL that would end the transaction behind the library's back, and code the
 * callback triggers (listeners, timers) joining the transaction through its async context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, DatabaseError, ValidationError, createDatabase } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS, postgresIsServer } from './support/dialects.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const serverAvailable = await postgresIsServer();
/** Taken at module load, outside any transaction. */
const outside = AsyncLocalStorage.snapshot();

describe.each(DIALECTS)('transaction edges (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  const names = async () => (await db.flows.list()).map((f) => f.name).sort();

  it('a call chained on an un-awaited call joins the transaction and rolls back with it', async () => {
    const flow = await db.flows.create({ name: 'f' });
    const run = await db.flowRuns.create({ flowId: flow.id, state: { type: 'SCHEDULED' } });
    let chained: Promise<unknown> | undefined;
    await db
      .transaction(async (tx) => {
        chained = tx.flowRuns
          .setState(run.id, { type: 'PENDING' })
          .then(() => tx.flowRuns.setState(run.id, { type: 'RUNNING', message: 'rolled back' }));
        throw new Error('callback fails');
      })
      .catch(() => undefined);
    await chained;
    expect((await db.flowRuns.states(run.id)).map((s) => s.type)).toEqual(['SCHEDULED']);
  });

  it('an un-awaited helper that awaits one call and then makes the next is committed whole', async () => {
    let helper: Promise<void> | undefined;
    await db.transaction(async (tx) => {
      helper = (async () => {
        await tx.flows.create({ name: 'a' });
        await tx.flows.create({ name: 'b' });
        await db.flows.create({ name: 'c' });
      })();
    });
    await helper;
    expect(await names()).toEqual(['a', 'b', 'c']);
  });

  it('a callback that throws synchronously, or returns a plain value, behaves like an async one', async () => {
    class Mine extends Error {}
    const mine = new Mine('sync');
    const thrown = await db
      .transaction(((tx: Database) => {
        if (tx) throw mine;
        return Promise.resolve();
      }) as never)
      .catch((e: unknown) => e);
    expect(thrown).toBe(mine);
    expect(await db.transaction((() => 5) as never)).toBe(5);
    expect(await db.transaction((() => undefined) as never)).toBeUndefined();
    await expect(db.transaction(null as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses transaction control through execute, inside and outside a transaction', async () => {
    for (const statement of [
      'COMMIT',
      ' rollback',
      '/* x */ BEGIN',
      'end',
      'savepoint x',
      'release savepoint x',
      'select 1; commit',
      'select 1;rollback',
      "select ';'; -- a comment\n commit",
      'select $$ ; $$; abort',
    ]) {
      await expect(db.execute(statement)).rejects.toBeInstanceOf(ValidationError);
    }
    // Text that only mentions the words runs: they are inside strings, comments and identifiers.
    await db.execute(`select 'commit; rollback' as "begin" -- ; end`);
    await db.transaction(async (tx) => {
      await tx.flows.create({ name: 'kept' });
      await expect(tx.execute('commit')).rejects.toThrow(/does not run COMMIT/);
      await expect(tx.execute('select 1; commit')).rejects.toThrow(/does not run COMMIT/);
      await tx.flows.create({ name: 'kept-too' });
    });
    expect(await names()).toEqual(['kept', 'kept-too']);
  });

  it('methods taken off their object still work', async () => {
    const create = db.flows.create;
    const { transaction, execute } = db;
    await transaction(async (tx) => {
      const createInTx = tx.flows.create;
      await createInTx({ name: 'detached-in-tx' });
    });
    await create({ name: 'detached' });
    expect(await execute('select 1 as one')).toHaveLength(1);
    expect(await names()).toEqual(['detached', 'detached-in-tx']);
  });

  it('close() inside the callback is refused at once instead of waiting for itself', async () => {
    await db.transaction(async (tx) => {
      await tx.flows.create({ name: 'still-open' });
      await expect(db.close()).rejects.toThrow(/inside a db.transaction\(\) callback/);
    });
    expect(await names()).toEqual(['still-open']);
  });

  // Code a callback triggers without awaiting (a listener called synchronously, a timer firing while
  // the callback runs) is in its async context and joins the transaction; a function captured with
  // AsyncLocalStorage.snapshot() outside any transaction runs its calls outside it (docs/database.md).
  const rolledBack = (fn: () => Promise<void>) =>
    db
      .transaction(async () => {
        await fn();
        throw new Error('roll back');
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.message === 'roll back')) throw error;
      });

  it('a listener called synchronously joins the transaction and rolls back with it', async () => {
    const events = new EventEmitter();
    const written: Promise<unknown>[] = [];
    events.on('created', (name: string) => written.push(db.flows.create({ name: `audit ${name}` })));
    await rolledBack(async () => {
      await db.flows.create({ name: 'a' });
      events.emit('created', 'a');
      await Promise.all(written);
    });
    expect(await names()).toEqual([]);
  });

  it('a timer firing while the callback runs joins the transaction and rolls back with it', async () => {
    let written: Promise<unknown> | undefined;
    await rolledBack(async () => {
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          written = db.flows.create({ name: 'from a timer' });
          resolve();
        }, 0),
      );
      await written;
    });
    expect(await names()).toEqual([]);
  });

  it('a call run through AsyncLocalStorage.snapshot() taken outside is a call of its own', async () => {
    const events = new EventEmitter();
    const written: Promise<unknown>[] = [];
    events.on('created', (name: string) =>
      written.push(outside(() => db.flows.create({ name: `audit ${name}` }))),
    );
    await rolledBack(async () => {
      await db.flows.create({ name: 'a' });
      events.emit('created', 'a');
      // Not awaited here: on SQLite and PGlite (one connection) it waits for the transaction to end.
    });
    await Promise.all(written);
    expect(await names()).toEqual(['audit a']);
  });
});

describe('transaction edges (SQLite file)', () => {
  it('opening another handle on the same file inside a transaction does not wait for itself', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'orion-tx-'));
    const file = join(dir, 'x.db');
    const db = await createDatabase({ url: file });
    try {
      await db.transaction(async (tx) => {
        await tx.flows.create({ name: 'o' });
        const other = await Promise.race([
          createDatabase({ url: file, migrateOnOpen: false }),
          delay(5000).then(() => 'hung' as const),
        ]);
        expect(other).not.toBe('hung');
        await (other as Database).close();
      });
      expect((await db.flows.list()).map((f) => f.name)).toEqual(['o']);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(serverAvailable)('transaction edges (PostgreSQL server)', () => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
  });
  afterEach(async () => {
    await db.close();
  });

  it('a connection the server closes inside a transaction is a DatabaseError, and the pool goes on', async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.execute("set local idle_in_transaction_session_timeout = '200ms'");
        await tx.flows.create({ name: 'lost' });
        await delay(600);
        await tx.flows.create({ name: 'lost-too' });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).retryable).toBe(true);
    expect(await db.flows.count()).toBe(0);
    // The pool replaces the closed connection: later transactions work.
    await db.transaction(async (tx) => {
      await tx.flows.create({ name: 'after' });
    });
    expect(await db.flows.count()).toBe(1);
  });

  it('a backend terminated while the callback runs fails the transaction, not the process', async () => {
    const error = await db
      .transaction(async (tx) => {
        const [row] = await tx.execute<{ pid: number }>('select pg_backend_pid() as pid');
        await tx.flows.create({ name: 'x' });
        await db.execute(`select pg_terminate_backend(${Number(row!.pid)})`);
        await delay(100);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(await db.flows.count()).toBe(0);
  });
});
