/**
 * A connection lost inside a transaction, reported the same way whichever statement found it: a
 * call's own query, or one the transaction layer sends itself (BEGIN, SAVEPOINT, RELEASE,
 * ROLLBACK TO, COMMIT). The server rolls back a transaction whose session ends, so up to COMMIT
 * nothing was written and the work can simply run again; once COMMIT was sent, the client cannot
 * know whether the server committed before the connection went (docs/database.md).
 */
import { DatabaseError } from '../errors.js';
import { NETWORK_CODES, mapDriverError, unwrap } from './map-error.js';
import type { Transaction } from './transaction.js';

/**
 * SQLSTATEs with which the server ends a session: class 08 (connection exception), an
 * administrator's or a crash's termination (57P01-57P03), and the idle timeouts (25P03, 57P05).
 */
const SESSION_ENDED = new Set(['57P01', '57P02', '57P03', '57P05', '25P03']);

const LOST = Symbol('orion.connectionLost');

/** True when `error` (a driver error, possibly wrapped by Drizzle) says the connection is gone. */
export function isConnectionLoss(error: unknown): boolean {
  if ((error as { [LOST]?: boolean } | undefined)?.[LOST]) return true;
  const code = unwrap(error)?.code;
  if (typeof code !== 'string') return false;
  return NETWORK_CODES.has(code) || code.startsWith('08') || SESSION_ENDED.has(code);
}

function describe(cause: unknown): string {
  const driver = unwrap(cause);
  const message = driver instanceof Error ? (driver.message.split('\n')[0] ?? '') : String(driver);
  return driver?.code ? `${driver.code}: ${message}` : message;
}

/** The connection went before COMMIT was sent: the server rolled the transaction back. */
export function lostInTransaction(cause: unknown): DatabaseError {
  if (cause instanceof DatabaseError && (cause as { [LOST]?: boolean })[LOST]) return cause;
  const error = new DatabaseError(
    `The connection to the database was lost inside a transaction (${describe(cause)}): the transaction did not commit and nothing of it was written; run it again`,
    { cause, retryable: true },
  );
  Object.defineProperty(error, LOST, { value: true });
  return error;
}

/**
 * The connection went after COMMIT was sent and before its answer came back: the server may have
 * committed or not. Not retryable: running non-idempotent work again could apply it twice; the
 * caller has to look whether it landed first.
 */
export function commitOutcomeUnknown(cause: unknown): DatabaseError {
  const error = new DatabaseError(
    `The connection to the database was lost while the transaction was committing (${describe(cause)}): PostgreSQL cannot tell whether it committed. Check whether its writes are there before running it again`,
    { cause, retryable: false },
  );
  Object.defineProperty(error, LOST, { value: true });
  return error;
}

/** `error` as the transaction's failure: a lost connection becomes `lostInTransaction`, anything else stays. */
export function failureOf(error: unknown): unknown {
  return isConnectionLoss(error) ? lostInTransaction(error) : error;
}

/** What a failed savepoint statement leaves the transaction: a lost connection says so. */
export function brokenBy(error: unknown): unknown {
  return isConnectionLoss(error) ? lostInTransaction(error) : mapDriverError(error);
}

/** A call on a transaction whose connection is gone fails at once, as the transaction does. */
export function refuseIfLost(transaction: Transaction): void {
  const { broken } = transaction.outermost;
  if (isConnectionLoss(broken)) throw lostInTransaction(broken);
}

/** The error of a transaction that a failed savepoint statement left unable to commit. */
export function brokenFailure(broken: unknown): DatabaseError {
  if (isConnectionLoss(broken)) return lostInTransaction(broken);
  return new DatabaseError('The transaction was rolled back: a savepoint statement inside it failed', {
    cause: broken,
  });
}
