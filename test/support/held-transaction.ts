import type { Database, DatabaseScope } from '../../src/index.js';

/**
 * A transaction on `db` that runs `body`, then holds the database until `release()` is called and
 * rolls back (it throws). When it has ended, 'transaction' is pushed onto `settled`, so a test can
 * tell whether calls made meanwhile waited for it (SQLite's one connection) or not.
 */
export function heldTransaction(
  db: Database,
  body: (tx: DatabaseScope) => Promise<unknown>,
  settled: string[],
): { release: () => void; ended: Promise<unknown> } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const ended = db
    .transaction(async (tx) => {
      await body(tx);
      await held;
      throw new Error('roll back');
    })
    .catch(() => settled.push('transaction'));
  return { release, ended };
}
