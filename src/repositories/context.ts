import type { Dialect, Executor, LATER, TransactionContext } from '../dialect/dialect.js';
import type { SqlFragments } from '../dialect/fragments.js';
import type { TransactionOptions } from '../dialect/transaction.js';

/**
 * What a repository needs from below: the dialect's tables and fragments, and a way to run
 * queries in the right place (the handle's bound transaction, the async context's, or none).
 */
export class RepositoryContext {
  constructor(
    readonly dialect: Dialect,
    private readonly bound: TransactionContext | undefined,
  ) {}

  get tables(): Dialect['tables'] {
    return this.dialect.tables;
  }

  get fragments(): SqlFragments {
    return this.dialect.fragments;
  }

  get rowLocking(): boolean {
    return this.dialect.capabilities.rowLocking;
  }

  /** A prepared query (or anything) built once, where the dialect's executor is stable. */
  reusable<T>(key: string, build: (root: Executor) => T): T | undefined {
    return this.dialect.reusable(key, build);
  }

  /**
   * This context pinned to the transaction a call made now would join (or to none): for work that
   * continues in later calls (a stream's pages), which must stay in that transaction and fail with
   * a DatabaseError once it has ended (semantics.md §7).
   */
  pinned(): RepositoryContext {
    return new RepositoryContext(this.dialect, this.dialect.currentTransaction(this.bound));
  }

  /** True when a call made now would join a transaction (the caller's, or this handle's). */
  inTransaction(): boolean {
    return this.dialect.currentTransaction(this.bound) !== undefined;
  }

  /** Runs `fn` on the current transaction, or on the connection. */
  run<T>(fn: (q: Executor) => Promise<T>): Promise<T> {
    return this.dialect.run(fn, this.bound);
  }

  /**
   * Runs `fn`, which sends one statement that is atomic by itself: on the connection with no
   * transaction of its own, or in a savepoint inside an open one.
   */
  statement<T>(fn: (q: Executor) => Promise<T>): Promise<T> {
    return this.dialect.statement(fn, this.bound);
  }

  /** `transaction` for a synchronous `fn` making no library calls, run now where it can (see Dialect). */
  transactionNow<T>(fn: (q: Executor) => T): T | typeof LATER {
    return this.dialect.transactionNow(fn, this.bound);
  }

  /** `statement` for a synchronous `fn` whose statements are atomic each, run now where it can (see Dialect). */
  statementNow<T>(fn: (q: Executor) => T): T | typeof LATER {
    return this.dialect.statementNow(fn, this.bound);
  }

  /** Runs `fn` in a transaction (a savepoint inside an open one); `options` as the dialect's. */
  transaction<T>(fn: (q: Executor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.dialect.transaction((context) => fn(context.executor), this.bound, options);
  }

  /** Runs `send`, which sends the call's last statement (Dialect.lastStatement: COMMIT may go with it). */
  lastStatement<T>(send: () => Promise<T>): Promise<T> {
    return this.dialect.lastStatement(send);
  }
}
