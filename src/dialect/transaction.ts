/**
 * The pieces of a transaction that every dialect shares: the open connection, the state that ends
 * its scope, the queue that serialises calls made on it, and the call frames that the
 * AsyncLocalStorage carries. The rules are settled in semantics.md §1.
 */
import { DatabaseError } from '../errors.js';
import {
  brokenBy,
  commitOutcomeUnknown,
  failureOf,
  isConnectionLoss,
  lostInTransaction,
  refuseIfLost,
} from './connection-loss.js';
import type { Executor } from './dialect.js';
import { Gate } from './gate.js';
import { CallWatch } from './watched-call.js';

/**
 * One open database transaction on one connection, as a dialect hands it out. `exec` runs a
 * statement without parameters (BEGIN, SAVEPOINT, ...). `commit` throws when the database did not
 * commit (PostgreSQL answers COMMIT on an aborted transaction with ROLLBACK and no error).
 */
export interface TransactionConnection {
  readonly executor: Executor;
  exec(statement: string): Promise<void>;
  commit(): Promise<void>;
  /**
   * Rolls back; where COMMIT already went with the last statement (`lastStatement`), waits for
   * its answer instead and resolves to 'committed' when it committed after all, or to 'unknown'
   * when the connection was lost once it was written. Anything else: rolled back.
   */
  rollback(): Promise<unknown>;
  /**
   * PostgreSQL: runs `send`, whose next statement is the transaction's last, with COMMIT sent
   * right behind it; `commit` then checks COMMIT's answer. Absent where COMMIT costs no round trip.
   */
  lastStatement?<T>(send: () => Promise<T>): Promise<T>;
  /** Gives the connection back (PostgreSQL: to the pool). Called once, after commit or rollback. */
  release(): void;
}

/** What a library call tells the transaction layer about the transaction it opens for itself. */
export interface TransactionOptions {
  /**
   * The call's first statement only reads: PostgreSQL sends BEGIN with it instead of waiting for
   * BEGIN's answer first (reserved-transaction.ts). A statement that is not a plain SELECT still
   * waits.
   */
  readonly readFirst?: boolean;
}

/** `open` until the callback and the calls it started are done; then it ends, and its scope with it. */
export type TransactionState = 'open' | 'ending' | 'committed' | 'rolled back';

/**
 * A transaction or a savepoint nested in one. Calls on it go through its queue, each in a savepoint
 * of its own, so they run in the order they were made and a caught failure of one leaves the others.
 */
export class Transaction {
  state: TransactionState = 'open';
  /** Set when a savepoint could not be rolled back: the transaction can only roll back now. */
  broken: unknown;
  /** The calls made on its `tx` handles, for a failure nobody handled. */
  readonly calls = new CallWatch();
  // Made on the first call queued on it: a transaction the library opens for one call of its own
  // (a setState) never queues any, and a Gate starts from a promise (issue 13).
  #queue: Gate | undefined;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #deferred: Promise<void>[] = [];
  readonly #onRollback: (() => void)[] = [];
  #savepoints = 0;

  /**
   * @param owner the handle that opened it: `close()` on that handle inside it would wait for itself
   */
  constructor(
    readonly connection: TransactionConnection,
    readonly parent: Transaction | undefined,
    readonly owner: object,
  ) {}

  get executor(): Executor {
    return this.connection.executor;
  }

  get depth(): number {
    return this.parent ? this.parent.depth + 1 : 0;
  }

  get outermost(): Transaction {
    return this.parent ? this.parent.outermost : this;
  }

  /** Calls may still join it: the callback has not returned, or calls it started are still running. */
  get live(): boolean {
    return this.state === 'open';
  }

  /** True when this transaction is `other` or nested inside it. */
  within(other: Transaction): boolean {
    for (let t: Transaction | undefined = this; t; t = t.parent) if (t === other) return true;
    return false;
  }

  /** A savepoint name unique within the outermost transaction. */
  nextSavepoint(): string {
    return `orion_sp_${++this.outermost.#savepoints}`;
  }

  /** Runs `fn` after every call made on this transaction before it; tracked until it settles. */
  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    this.#queue ??= new Gate();
    const promise: Promise<T> = this.#queue.run(fn, () => {
      this.#pending.delete(promise);
    });
    this.#pending.add(promise);
    return promise;
  }

  /**
   * Waits until no call made on this transaction is running or queued, then ends its scope in the
   * same step, so no call can slip in between the last check and the end. When calls were still
   * running, it lets promise chains started inside the callback take one more turn first: a helper
   * that awaits one call and then makes the next has made it by then (issue 7 §1).
   */
  async end(): Promise<void> {
    if (this.tryEnd()) return;
    let settled = false;
    for (;;) {
      if (this.#pending.size > 0) {
        await Promise.allSettled([...this.#pending]);
        settled = true;
      } else if (settled) {
        await new Promise((resolve) => setImmediate(resolve));
        settled = false;
      } else {
        this.state = 'ending';
        return;
      }
    }
  }

  /**
   * Ends the scope now when no call made on this transaction is running or queued (what `end`
   * does first), without the trip through the microtask queue that awaiting `end` takes.
   * @returns false, with nothing changed, when calls are pending: then await `end`.
   */
  tryEnd(): boolean {
    if (this.#pending.size > 0) return false;
    this.state = 'ending';
    return true;
  }

  /**
   * A statement sent without waiting for its answer (a RELEASE). A failure marks the outermost
   * transaction broken, so it rolls back instead of committing. Recorded as the other savepoint
   * statements' failures are (brokenBy): a connection lost under a RELEASE makes the next call fail
   * with "the transaction did not commit" (retryable), not with the driver's bare network error
   * (seen in CI when the RELEASE's answer came after the connection was killed).
   */
  defer(statement: Promise<void>): void {
    const outermost = this.outermost;
    outermost.#deferred.push(
      statement.catch((error: unknown) => {
        outermost.broken ??= brokenBy(error);
      }),
    );
  }

  /** Runs `body`, then waits for every call made on this transaction and ends it, whether `body` threw or not. */
  async settle<T>(body: (transaction: Transaction) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await body(this);
    } catch (error) {
      if (!this.tryEnd()) await this.end();
      this.calls.close(false);
      throw error;
    }
    if (!this.tryEnd()) await this.end();
    // A call on `tx` that failed with nobody handling it fails the transaction (watched-call.ts).
    const unhandled = this.calls.close(true);
    if (unhandled) throw new CallerError(unhandled.error);
    return result;
  }

  /**
   * One call inside this transaction: atomic on its own, so a caught failure leaves the rest.
   * SAVEPOINT and RELEASE are sent without waiting for their answers: a connection runs statements
   * in the order they were sent, so they travel with the call's own statements (on PostgreSQL one
   * round trip per call instead of three). Their outcome is checked before the commit.
   * @param run the call, in its frame on this transaction
   */
  async inSavepoint<T>(run: () => Promise<T>): Promise<T> {
    if (this.broken) throw this.broken;
    refuseIfLost(this);
    const { connection } = this;
    const name = this.nextSavepoint();
    const opened = connection.exec(`SAVEPOINT ${name}`);
    // Awaited below; a rejection meanwhile must not count as unhandled (Node would end the process).
    opened.catch(() => undefined);
    let result: T;
    try {
      result = await run();
      await opened;
    } catch (error) {
      await opened.catch((e: unknown) => {
        this.broken ??= brokenBy(e);
      });
      if (isConnectionLoss(error)) {
        // The server rolled the whole transaction back: say so, and let nothing else run on it.
        const lost = lostInTransaction(error);
        this.outermost.broken ??= lost;
        throw lost;
      }
      await this.rollbackTo(name);
      throw error;
    }
    this.defer(connection.exec(`RELEASE SAVEPOINT ${name}`));
    return result;
  }

  /** Rolls back to savepoint `name` and releases it; a failure leaves this transaction broken. */
  async rollbackTo(name: string): Promise<void> {
    try {
      await this.connection.exec(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.connection.exec(`RELEASE SAVEPOINT ${name}`);
    } catch (error) {
      this.broken ??= brokenBy(error);
    }
  }

  /**
   * Runs `fn` if this transaction rolls back, or one it sits in: a nested transaction hands its
   * hooks to its parent when it is released. Never after a commit of the outermost.
   */
  onRollback(fn: () => void): void {
    this.#onRollback.push(fn);
  }

  /** The rollback hooks registered on this transaction, removed from it, latest first. */
  takeRollbackHooks(): (() => void)[] {
    return this.#onRollback.splice(0).reverse();
  }

  /**
   * Waits for the answers of the statements sent without waiting. A transaction whose calls made
   * no savepoints (the library's own, one call) has none: then it returns undefined, nothing to await.
   */
  settleDeferred(): Promise<unknown> | undefined {
    const deferred = this.outermost.#deferred;
    return deferred.length > 0 ? Promise.all(deferred.splice(0)) : undefined;
  }

  /**
   * True while the call running in this transaction, its outermost, may send its last statement
   * with COMMIT: nothing was sent without waiting (a RELEASE whose failure would have to stop
   * the commit) and nothing has broken it.
   */
  mayCommitWithLast(): boolean {
    return this.parent === undefined && this.state === 'open' && !this.broken && this.#deferred.length === 0;
  }

  /**
   * Ends this outermost transaction after `error` ended its callback, and returns the error the
   * call fails with. A COMMIT that already went with the last statement decides: committed after
   * all (the call failed after its last statement), or lost once written (outcome unknown).
   */
  async abandon(error: unknown): Promise<unknown> {
    this.state = 'ending';
    const ending = await this.connection.rollback().catch(() => undefined);
    if (ending === 'committed') {
      this.state = 'committed';
      this.#onRollback.length = 0;
      return new DatabaseError('The transaction committed, but the call failed after its last statement', {
        cause: error instanceof CallerError ? error.error : error,
      });
    }
    this.state = 'rolled back';
    for (const hook of this.takeRollbackHooks()) hook();
    return ending === 'unknown' ? commitOutcomeUnknown(error) : failureOf(error);
  }

  /** The error for a call on this handle once the transaction has ended. */
  finishedError(): DatabaseError {
    const how =
      this.state === 'rolled back' ? 'rolled back' : this.state === 'committed' ? 'committed' : 'finishing';
    return new DatabaseError(
      `This transaction has already ${how === 'finishing' ? 'ended (it is committing)' : how}: ` +
        'make calls on `tx` inside the db.transaction() callback, or call `db` for work of its own',
    );
  }
}

/** Marks the body of one library call: calls that library code makes inside it run directly. */
export interface CallToken {
  active: boolean;
}

/** What the AsyncLocalStorage carries: the transaction of this async context, and the call running in it. */
export interface Frame {
  readonly transaction: Transaction | undefined;
  readonly call: CallToken | undefined;
  /** The call is the whole body of a transaction the library opened for it (no savepoint between). */
  readonly own?: boolean;
}

/**
 * Wraps an error the caller's own code threw, so that the layers above pass it back unchanged
 * instead of mapping it as a driver error (semantics.md §1 "Errors").
 */
export class CallerError {
  constructor(readonly error: unknown) {}
}
