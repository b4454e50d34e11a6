import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, DatabaseError } from '../src/index.js';
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
