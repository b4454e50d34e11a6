import type { SQL } from 'drizzle-orm';
import { DatabaseError, ValidationError } from '../errors.js';
import type { SchemaShape } from '../introspection/schema-shape.js';
import type * as schema from '../schema/postgres/index.js';
import { withCallerStack } from './caller-stack.js';
import type {
  Dialect,
  DialectCapabilities,
  DialectName,
  DriverName,
  Executor,
  RawExecutor,
  Row,
  TransactionContext,
} from './dialect.js';
import * as loss from './connection-loss.js';
import { turnDue, turnIfDue } from './event-loop-turns.js';
import type { SqlFragments } from './fragments.js';
import type { FrameStorage } from './frame-storage.js';
import type { Gate } from './gate.js';
import { isRetryableTransactionError, mapDriverError } from './map-error.js';
import { LATER } from './dialect.js';
import { nested, outermost, retried } from './transaction-runs.js';
import {
  CallerError,
  type CallToken,
  type Frame,
  type Transaction,
  type TransactionConnection,
  type TransactionOptions,
} from './transaction.js';

/**
 * What the three dialects share: the transaction layer (semantics.md §1), the gate for
 * single-connection drivers, error mapping, work-in-flight tracking and use-after-close checks.
 * Subclasses supply the primitives that differ: opening a transaction on a connection, raw rows,
 * the migration step, version checks and release.
 *
 * Every library call is one of three kinds, decided from the async context's frame:
 * - made by library code inside another call: runs directly on that call's connection;
 * - made inside a caller's transaction that is still open: queued on it, in a savepoint of its own;
 * - anything else: on its own (behind the gate, in a transaction of its own when it writes).
 */
export abstract class BaseDialect implements Dialect {
  abstract readonly name: DialectName;
  abstract readonly driver: DriverName;
  abstract readonly capabilities: DialectCapabilities;
  abstract readonly tables: typeof schema;
  abstract readonly fragments: SqlFragments;

  #closing: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  /**
   * @param root the Drizzle database on the connection or pool
   * @param storage carries the call frame; shared by handles that share one connection
   * @param gate serialises single-connection drivers (SQLite, PGlite); none for a Postgres pool
   */
  protected constructor(
    protected readonly root: Executor,
    protected readonly storage: FrameStorage,
    protected readonly gate: Gate | undefined,
  ) {}

  /** Opens a transaction (BEGIN) on a connection of its own (PostgreSQL) or the one connection. */
  protected abstract openTransaction(options?: TransactionOptions): Promise<TransactionConnection>;
  protected abstract rows(executor: Executor, query: SQL): Promise<Row[]>;
  protected abstract runMigrationStep<T>(fn: (raw: RawExecutor) => Promise<T>): Promise<T>;
  protected abstract checkServer(): Promise<void>;
  abstract introspect(): Promise<SchemaShape>;
  /** A query returning one row when the table exists, none otherwise. */
  protected abstract tableExistsQuery(name: string): SQL;
  protected abstract release(): Promise<void>;

  /**
   * The entry of every public call: refuses work after close(), tracks it for close(), maps driver
   * errors (the caller's own errors come back unchanged) and gives ours the caller's stack.
   */
  protected track<T>(site: Error, work: () => Promise<T>): Promise<T> {
    if (this.#refusesCalls()) {
      return Promise.reject(withCallerStack(new DatabaseError('This database handle is closed'), site));
    }
    // One reaction both maps the error and forgets the call: a second chain to forget it cost a
    // promise per call. The promise leaves #inFlight in the job that settles it.
    const promise: Promise<T> = work().then(
      (value) => {
        this.#inFlight.delete(promise);
        return value;
      },
      (error: unknown) => {
        this.#inFlight.delete(promise);
        if (error instanceof CallerError) throw error.error;
        throw withCallerStack(mapDriverError(error), site);
      },
    );
    this.#inFlight.add(promise);
    return promise;
  }

  /** Outside a transaction, single-connection drivers queue behind the gate. */
  protected serialised<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.gate) return fn();
    // In-process drivers never give the event loop a turn by themselves: a call behind the gate
    // starts on the next turn when calls have gone on for TURN_MS without one (event-loop-turns.ts).
    // The gate keeps the order; results settle as before.
    return this.gate.run(() => {
      const turn = turnIfDue();
      return turn ? turn.then(fn) : fn();
    });
  }

  /** The innermost transaction of this async context that is still open. */
  #liveTransaction(): Transaction | undefined {
    let transaction = this.storage.getStore()?.transaction;
    while (transaction && !transaction.live) transaction = transaction.parent;
    return transaction;
  }

  /**
   * Where a call made now belongs: the innermost open transaction of the async context, or, for a
   * handle bound to a transaction (`tx`), that transaction — an error once it has ended.
   */
  #target(bound: TransactionContext | undefined): Transaction | undefined {
    const current = this.#liveTransaction();
    if (!bound) return current;
    const handle = bound as Transaction;
    if (!handle.live) throw handle.finishedError();
    return current?.within(handle) ? current : handle;
  }

  /**
   * Runs `fn` with `frame` as the async context's frame; the call token ends with it. `own`: `fn`
   * is the whole body of a transaction opened for it (its last statement may carry COMMIT).
   */
  #inFrame<T>(transaction: Transaction | undefined, fn: () => Promise<T>, own = false): Promise<T> {
    const call: CallToken = { active: true };
    const frame: Frame = { transaction, call, own };
    // then(ok, failed) rather than finally: finally makes three promises where this makes one.
    return this.storage.run(frame, fn).then(
      (value) => {
        call.active = false;
        return value;
      },
      (error: unknown) => {
        call.active = false;
        throw error;
      },
    );
  }

  /** The frame of a library call running in this async context, if any. */
  #runningCall(): Frame | undefined {
    const frame = this.storage.getStore();
    return frame?.call?.active ? frame : undefined;
  }

  run<T>(fn: (executor: Executor) => Promise<T>, bound?: TransactionContext): Promise<T> {
    return this.#call(fn, 'plain', bound, new Error());
  }

  statement<T>(fn: (executor: Executor) => Promise<T>, bound?: TransactionContext): Promise<T> {
    return this.#call(fn, 'statement', bound, new Error());
  }

  transaction<T>(
    fn: (context: TransactionContext) => Promise<T>,
    bound?: TransactionContext,
    options?: TransactionOptions,
  ): Promise<T> {
    return this.#call((executor) => fn({ executor, depth: 0 }), 'atomic', bound, new Error(), options);
  }

  lastStatement<T>(send: () => Promise<T>): Promise<T> {
    const frame = this.storage.getStore();
    const transaction = frame?.own && frame.call?.active ? frame.transaction : undefined;
    const connection = transaction?.connection;
    if (!connection?.lastStatement || !transaction!.mayCommitWithLast()) return send();
    return connection.lastStatement(send);
  }

  /**
   * A synchronous BEGIN, `body`, COMMIT (ROLLBACK when it throws) on the one connection, for
   * drivers that answer synchronously; LATER, the default, where there is no such thing.
   */
  protected immediate<T>(_body: () => T): T | typeof LATER {
    return LATER;
  }

  /** `body` run now on the one connection with no transaction of its own; LATER by default. */
  protected immediateStatement<T>(_body: () => T): T | typeof LATER {
    return LATER;
  }

  transactionNow<T>(fn: (executor: Executor) => T, bound?: TransactionContext): T | typeof LATER {
    return this.#now(() => this.immediate(() => fn(this.root)), bound);
  }

  statementNow<T>(fn: (executor: Executor) => T, bound?: TransactionContext): T | typeof LATER {
    return this.#now(() => this.immediateStatement(() => fn(this.root)), bound);
  }

  /**
   * `body` (a synchronous transaction or statement) run now, or LATER (also when the driver
   * answered SQLITE_BUSY: nothing was written and the awaited path retries).
   */
  #now<T>(body: () => T | typeof LATER, bound: TransactionContext | undefined): T | typeof LATER {
    // What `#call` and the gate would decide: nothing can run first, so it runs now, and without
    // the promises, the async-context frame and the caller's stack taken up front that let an
    // awaited call wait its turn (a third of a SQLite setState's CPU, issue 13).
    if (bound || this.#closing || !this.gate?.idle || this.storage.getStore() || turnDue()) return LATER;
    try {
      return body();
    } catch (error) {
      // The stack of this frame reaches the caller, as `transaction`'s `site` does.
      if (isRetryableTransactionError(error)) return LATER;
      throw withCallerStack(mapDriverError(loss.failureOf(error)), new Error());
    }
  }

  /**
   * One library call. `atomic` calls that run on their own get a transaction of their own; a
   * `statement` is atomic by itself, so on its own it runs on the connection (retried like a
   * transaction), and in a transaction it gets a savepoint as atomic calls do.
   */
  #call<T>(
    fn: (executor: Executor) => Promise<T>,
    kind: 'plain' | 'statement' | 'atomic',
    bound: TransactionContext | undefined,
    site: Error,
    options?: TransactionOptions,
  ): Promise<T> {
    const running = this.#runningCall();
    if (running) {
      // Library code calling the library: it already holds the connection (and the queue slot).
      const transaction = running.transaction;
      if (!transaction) return kind === 'atomic' ? this.#ownTransaction(fn, false, options) : fn(this.root);
      return kind === 'plain' ? fn(transaction.executor) : this.#inSavepoint(transaction, fn);
    }
    return this.track(site, () => {
      // Not an async function: one returning a promise settles two microtasks after it, through a
      // thenable job and a promise more (each init and resolve also runs the async-context hooks).
      try {
        const transaction = this.#target(bound);
        if (transaction) return transaction.enqueue(() => this.#inSavepoint(transaction, fn));
        if (kind === 'atomic') return this.#ownTransaction(fn, true, options);
        const alone = () => this.serialised(() => this.#inFrame(undefined, () => fn(this.root)));
        return kind === 'statement' ? retried(alone) : alone();
      } catch (error) {
        return Promise.reject(error);
      }
    });
  }

  /** One call inside a caller's transaction, in a savepoint of its own (Transaction.inSavepoint). */
  #inSavepoint<T>(transaction: Transaction, fn: (executor: Executor) => Promise<T>): Promise<T> {
    return transaction.inSavepoint(() => this.#inFrame(transaction, () => fn(transaction.executor)));
  }

  /**
   * A transaction the library opens for one call of its own. Deadlocks and serialisation failures
   * abort the whole transaction; it is run again a few times (never a caller's callback).
   */
  #ownTransaction<T>(
    fn: (executor: Executor) => Promise<T>,
    takeGate: boolean,
    options: TransactionOptions | undefined,
  ): Promise<T> {
    const once = () =>
      outermost(
        this,
        () => this.openTransaction(options),
        async (transaction) => this.#inFrame(transaction, () => fn(transaction.executor), true),
      );
    return retried(takeGate ? () => this.serialised(once) : once);
  }

  userTransaction<T>(
    fn: (context: TransactionContext) => Promise<T>,
    bound?: TransactionContext,
  ): Promise<T> {
    const site = new Error();
    if (this.#runningCall()) {
      return Promise.reject(
        withCallerStack(
          new DatabaseError('db.transaction() cannot be called from inside a library call'),
          site,
        ),
      );
    }
    if (typeof fn !== 'function') {
      return Promise.reject(
        withCallerStack(new ValidationError('db.transaction(fn) takes a function (tx) => Promise<T>'), site),
      );
    }
    // The callback's own errors, thrown or rejected, are wrapped on the way out of it so no layer maps them.
    const callback = (transaction: Transaction) =>
      this.storage
        .run({ transaction, call: undefined }, async () => fn(transaction))
        .catch((error: unknown) => {
          throw new CallerError(error);
        });
    return this.track(site, async () => {
      const parent = this.#target(bound);
      if (!parent) return this.serialised(() => outermost(this, () => this.openTransaction(), callback));
      return parent.enqueue(() => nested(this, parent, callback));
    });
  }

  abstract runText(executor: Executor, text: string, params: readonly unknown[]): Promise<void>;
  abstract queryArrays(executor: Executor, text: string, params: readonly unknown[]): Promise<unknown[][]>;

  onRollback(fn: () => void): void {
    this.storage.getStore()?.transaction?.onRollback(fn);
  }

  currentTransaction(bound?: TransactionContext): TransactionContext | undefined {
    return this.#target(bound);
  }

  watchCall<T>(promise: Promise<T>, bound: TransactionContext): Promise<T> {
    // A call on a finished handle fails by itself, and no transaction is left to report it.
    return (bound as Transaction).live ? this.#target(bound)!.calls.watch(promise) : promise;
  }

  readonly #reusable = new Map<string, unknown>();

  // Work inside a transaction that was already in flight when close() began may finish.
  #refusesCalls(): boolean {
    return this.#closing !== undefined && !this.#liveTransaction();
  }

  refusal(bound?: TransactionContext): DatabaseError | undefined {
    if (bound && !(bound as Transaction).live) return (bound as Transaction).finishedError();
    return this.#refusesCalls() ? new DatabaseError('This database handle is closed') : undefined;
  }

  reusable<T>(key: string, build: (root: Executor) => T): T | undefined {
    // Built from the root connection outside any tracked call: once close() began, the connection
    // may be gone, and the call goes the tracked way, which refuses it (a trial got better-sqlite3's
    // own TypeError from a first setState after close).
    if (!this.capabilities.stableExecutor || this.#closing) return undefined;
    if (!this.#reusable.has(key)) this.#reusable.set(key, build(this.root));
    return this.#reusable.get(key) as T;
  }

  query(query: SQL, bound?: TransactionContext): Promise<Row[]> {
    return this.#call((executor) => this.rows(executor, query), 'plain', bound, new Error());
  }

  async hasTable(name: string): Promise<boolean> {
    return (await this.query(this.tableExistsQuery(name))).length > 0;
  }

  migrationStep<T>(fn: (raw: RawExecutor) => Promise<T>): Promise<T> {
    return this.track(new Error(), async () => {
      if (this.#liveTransaction() || this.#runningCall()) {
        throw new DatabaseError('Migrations cannot run inside db.transaction(); call migrate() outside it');
      }
      return this.serialised(() => this.#inFrame(undefined, () => this.runMigrationStep(fn)));
    });
  }

  checkSupport(): Promise<void> {
    // Opened inside a transaction on a connection it shares (SQLite, PGlite): the gate is that
    // transaction's, so waiting for it would wait forever; the check reads nothing it writes.
    if (this.#liveTransaction()) return this.track(new Error(), () => this.checkServer());
    return this.track(new Error(), () => this.serialised(() => this.checkServer()));
  }

  close(): Promise<void> {
    if (this.#liveTransaction()?.outermost.owner === this) {
      // close() waits for work in flight, the transaction around this call included.
      return Promise.reject(
        withCallerStack(
          new DatabaseError(
            'close() cannot run inside a db.transaction() callback: call it after the transaction',
          ),
          new Error(),
        ),
      );
    }
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await this.release();
    })();
    return this.#closing;
  }
}
