/**
 * A call on `tx` that fails with nobody handling it (the callback forgot to await it) rolls the
 * transaction back and is its error; a call the callback awaited or caught leaves it alone
 * (docs/database.md "Commit waits"). Vitest fails the run on an unhandledRejection, so each test
 * also checks that none escapes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, type DatabaseScope, NotFoundError, ValidationError } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';

describe.each(DIALECTS)('a failed call nobody handled (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  const MISSING = '00000000-0000-4000-8000-000000000000';
  const missingRun = (tx: DatabaseScope) =>
    tx.flowRuns.create({ flowId: MISSING, state: { type: 'SCHEDULED' } });
  const names = async () => (await db.flows.list()).map((f) => f.name).sort();

  it('an un-awaited call that fails validation rolls the transaction back with its error', async () => {
    const error = await db
      .transaction(async (tx) => {
        tx.flows.create({ name: '' });
        await tx.flows.create({ name: 'ok' });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(await names()).toEqual([]);
  });

  it('an un-awaited call that the database refuses, still running when the callback returns', async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.flows.create({ name: 'ok' });
        missingRun(tx);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(await names()).toEqual([]);
  });

  it('a call awaited and caught, or handled with .catch or allSettled, leaves the transaction to commit', async () => {
    const seen: unknown[] = [];
    await db.transaction(async (tx) => {
      await missingRun(tx).catch((e: unknown) => seen.push(e));
      missingRun(tx).catch((e: unknown) => seen.push(e));
      const settled = await Promise.allSettled([
        tx.flows.create({ name: '' }),
        tx.flows.create({ name: 'a' }),
      ]);
      seen.push(settled[0]?.status);
      try {
        await missingRun(tx);
      } catch (e) {
        seen.push(e);
      }
      await tx.flows.create({ name: 'b' });
    });
    expect(seen.map((e) => (e instanceof Error ? e.constructor.name : e))).toEqual([
      'NotFoundError',
      'NotFoundError',
      'rejected',
      'NotFoundError',
    ]);
    expect(await names()).toEqual(['a', 'b']);
  });

  it('in a nested transaction, the nested one rolls back with the error and the outer goes on', async () => {
    await db.transaction(async (tx) => {
      await tx.flows.create({ name: 'outer' });
      const error = await tx
        .transaction(async (tx2) => {
          await tx2.flows.create({ name: 'inner' });
          tx2.flows.create({ name: '' });
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
    });
    expect(await names()).toEqual(['outer']);
  });

  it("an un-awaited nested transaction that fails is the outer transaction's error", async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.flows.create({ name: 'outer' });
        tx.transaction(async (tx2) => {
          await tx2.flows.create({ name: 'inner' });
          throw new Error('inner fails');
        });
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('inner fails');
    expect(await names()).toEqual([]);
  });
});
