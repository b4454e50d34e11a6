/**
 * How the transaction layer (base-dialect.ts) opens, nests and retries transactions, as functions of
 * the pieces they need: the dialect that owns the transaction, and how it opens one on a connection.
 * The rules are semantics.md §1's.
 */
import * as loss from './connection-loss.js';
import { isRetryableTransactionError } from './map-error.js';
import { Transaction, type TransactionConnection } from './transaction.js';

const MAX_TRANSACTION_ATTEMPTS = 4;

/** Runs `once` again, after a short random pause, while it fails with a deadlock or serialisation failure. */
export function retried<T>(once: () => Promise<T>, attempt = 1): Promise<T> {
  // A chain rather than an async loop: every call of the library goes through here, and the loop's
  // async function and await were two promises more per call, each through the async-context hooks.
  let first: Promise<T>;
  try {
    first = once();
  } catch (error) {
    first = Promise.reject(error);
  }
  return first.catch((error: unknown) => {
    if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
    return new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt * Math.random())).then(() =>
      retried(once, attempt + 1),
    );
  });
}

/**
 * Opens a transaction (`open`), runs `body`, waits for the calls it started, and commits; rolls
 * back when `body` throws. Resolves only when the database committed. `owner` is the dialect.
 */
export async function outermost<T>(
  owner: object,
  open: () => Promise<TransactionConnection>,
  body: (transaction: Transaction) => Promise<T>,
): Promise<T> {
  const connection = await open().catch((error: unknown) => {
    throw loss.failureOf(error);
  });
  const transaction = new Transaction(connection, undefined, owner);
  try {
    const result = await transaction.settle(body);
    const deferred = transaction.settleDeferred();
    if (deferred) await deferred;
    if (transaction.broken) throw loss.brokenFailure(transaction.broken);
    // The connection decides what a loss here means: before COMMIT was sent, or while it ran.
    await connection.commit();
    transaction.state = 'committed';
    transaction.takeRollbackHooks();
    return result;
  } catch (error) {
    throw await transaction.abandon(error);
  } finally {
    connection.release();
  }
}

/** A caller's transaction inside another: a savepoint held across the callback. */
export async function nested<T>(
  owner: object,
  parent: Transaction,
  body: (transaction: Transaction) => Promise<T>,
): Promise<T> {
  if (parent.broken) throw parent.broken;
  loss.refuseIfLost(parent);
  const name = parent.nextSavepoint();
  await parent.connection.exec(`SAVEPOINT ${name}`).catch((error: unknown) => {
    throw loss.failureOf(error);
  });
  const transaction = new Transaction(parent.connection, parent, owner);
  try {
    const result = await transaction.settle(body);
    await parent.connection.exec(`RELEASE SAVEPOINT ${name}`);
    transaction.state = 'committed';
    for (const hook of transaction.takeRollbackHooks().reverse()) parent.onRollback(hook);
    return result;
  } catch (error) {
    transaction.state = 'ending';
    await parent.rollbackTo(name);
    transaction.state = 'rolled back';
    for (const hook of transaction.takeRollbackHooks()) hook();
    throw loss.failureOf(error);
  }
}
