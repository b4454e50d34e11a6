/**
 * A statement sent without waiting (a RELEASE SAVEPOINT) that fails marks the transaction broken
 * the way the other savepoint statements do: a lost connection as "the transaction did not commit"
 * (retryable), never the driver's bare network error. CI saw the bare error when a RELEASE's answer
 * came after the connection was killed (transaction-connection-loss.test.ts, "between calls").
 * The race needs a server; the rule is the transaction's own, so it is tested on it directly.
 */
import { describe, expect, it } from 'vitest';
import type { TransactionConnection } from '../src/dialect/transaction.js';
import { Transaction } from '../src/dialect/transaction.js';
import { DatabaseError } from '../src/index.js';

const connection: TransactionConnection = {
  executor: {} as TransactionConnection['executor'],
  exec: async () => undefined,
  commit: async () => undefined,
  rollback: async () => undefined,
  release: () => undefined,
};

async function brokenAfter(failure: unknown): Promise<unknown> {
  const outer = new Transaction(connection, undefined, {});
  const nested = new Transaction(connection, outer, {});
  nested.defer(Promise.reject(failure));
  await outer.settleDeferred();
  return outer.broken;
}

describe('a deferred statement that fails', () => {
  it('a lost connection breaks the outermost transaction as "did not commit", retryable', async () => {
    for (const code of ['CONNECTION_CLOSED', 'ECONNRESET', '57P01', '08006']) {
      const lost = Object.assign(new Error(`write ${code} 127.0.0.1:5432`), { code });
      const broken = await brokenAfter(lost);
      expect(broken, code).toBeInstanceOf(DatabaseError);
      expect((broken as DatabaseError).message, code).toMatch(/did not commit/);
      expect((broken as DatabaseError).retryable, code).toBe(true);
    }
  });

  it('another failure is kept as a library error, not the raw driver error', async () => {
    const failure = Object.assign(new Error('savepoint "s1" does not exist'), { code: '3B001' });
    const broken = await brokenAfter(failure);
    expect(broken).not.toBe(failure);
    expect(broken).toBeInstanceOf(DatabaseError);
  });
});
