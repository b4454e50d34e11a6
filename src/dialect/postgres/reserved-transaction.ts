/**
 * A transaction on a connection reserved from the pool whose BEGIN and COMMIT can each travel with
 * one of the call's statements instead of taking a round trip of their own: a claim was five round
 * trips and became three (issue 13, claim-drain-1; docs/decisions.md, "Pipelined BEGIN and
 * COMMIT"), two since its pool read locks the first queue's runs.
 *
 * - BEGIN pipelined (`open(…, true)`, for a call that says its first statement reads): BEGIN is
 *   handed to the connection without waiting for its answer, and the first statement goes right
 *   behind it when its text is a plain SELECT. Each postgres.js query is a protocol unit of its
 *   own, so had BEGIN failed on a live connection that statement ran outside any transaction: a
 *   read, it changed nothing, and its result is replaced by BEGIN's error. Every later statement
 *   waits for BEGIN's answer (and fails with its error), so nothing that writes runs outside it.
 * - COMMIT pipelined (`lastStatement`): the statement the call sends next is followed by COMMIT
 *   at once. Its answer is checked at commit (or on the way out of a failed call): a failed last
 *   statement aborted the transaction, so COMMIT answers ROLLBACK and the call fails with that
 *   statement's own error. Once COMMIT was written, a lost connection leaves the outcome unknown.
 */
import type postgres from 'postgres';
import { DatabaseError } from '../../errors.js';
import { commitOutcomeUnknown, isConnectionLoss, lostInTransaction } from '../connection-loss.js';
import { ConnectionWatch, refused } from './connection-watch.js';

type Query = postgres.PendingQuery<postgres.Row[]>;

/** How a transaction whose call failed ended, when its COMMIT had already gone (see `rollback`). */
export type Ending = 'committed' | 'unknown' | undefined;

/** COMMIT's answer, its failure, or the close of the connection before either. */
type CommitAnswer = { answer: { command: string } } | { error: unknown } | { lost: unknown };

/**
 * Statements that may run ahead of BEGIN's answer: a SELECT with no keyword that writes or has an
 * effect outside the transaction. A row-locking clause is a read's: outside a transaction its
 * locks end with the statement, and nothing after it runs. A statement this refuses only waits
 * for BEGIN, as before.
 */
const PLAIN_READ = /^\s*select\b/i;
const LOCKING_CLAUSE = /\bfor\s+(no\s+key\s+)?update\b/gi;
const NOT_ONLY_READ = /\b(insert|update|delete|merge|into|nextval|setval|pg_notify|set_config)\b/i;

/** True when `text` may run ahead of BEGIN's answer (see above). */
export function isPlainRead(text: string): boolean {
  return PLAIN_READ.test(text) && !NOT_ONLY_READ.test(text.replace(LOCKING_CLAUSE, ' '));
}

/** What the library calls on a postgres.js query, for a query handed over later or checked first. */
class Gated implements PromiseLike<unknown> {
  mode: 'raw' | 'values' | undefined;
  result!: Promise<unknown>;

  constructor(public query?: Query) {}

  raw(): this {
    this.mode = 'raw';
    this.query?.raw();
    return this;
  }

  values(): this {
    this.mode = 'values';
    this.query?.values();
    return this;
  }

  /** Handed over already, or when BEGIN answers. */
  execute(): this {
    return this;
  }

  // biome-ignore lint/suspicious/noThenProperty: it stands in for postgres.js's thenable query.
  then<A = unknown, B = never>(
    onfulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then(onfulfilled, onrejected);
  }
}

/** One transaction on a reserved connection; `client` is what its Drizzle session sends through. */
export class ReservedTransaction {
  readonly watch = new ConnectionWatch();
  readonly client: postgres.ReservedSql;
  /** BEGIN answered (true), failed (its error), or not answered yet (undefined). */
  #begun: true | { error: unknown } | undefined = true;
  #beginAnswer: Promise<void> = Promise.resolve();
  #firstSent = false;
  readonly #waiting: ((failure: { error: unknown } | undefined) => void)[] = [];
  #armed = false;
  #lastFailed = false;
  #commit: Query | undefined;
  #commitAnswer: Promise<CommitAnswer> | undefined;

  private constructor(private readonly reserved: postgres.ReservedSql) {
    this.client = new Proxy(reserved, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'unsafe' || typeof value !== 'function') return value;
        return (...args: unknown[]) => this.#send(() => value.apply(target, args) as Query, args[0]);
      },
    });
  }

  /**
   * Sends BEGIN on `reserved`: awaited, or with `pipelined` handed over and left to travel with
   * the call's first statement. Awaited, a failure releases the connection and is thrown.
   */
  static async open(reserved: postgres.ReservedSql, pipelined: boolean): Promise<ReservedTransaction> {
    const transaction = new ReservedTransaction(reserved);
    // `onexecute` is postgres.js's own (untyped) hook, the one its begin() uses.
    const begin = reserved.unsafe('begin', [], {
      onexecute: transaction.watch.attach,
    } as postgres.UnsafeQueryOptions);
    if (!pipelined) {
      try {
        await begin;
      } catch (error) {
        transaction.watch.release(reserved);
        throw error;
      }
      return transaction;
    }
    transaction.#begun = undefined;
    begin.execute();
    transaction.#beginAnswer = begin.then(
      () => transaction.#answered(true),
      (error: unknown) => {
        transaction.#answered({ error });
        throw error;
      },
    );
    transaction.#beginAnswer.catch(() => undefined);
    return transaction;
  }

  /** BEGIN's outcome: statements waiting for it are handed over in the order they were made. */
  #answered(outcome: true | { error: unknown }): void {
    this.#begun = outcome;
    const failure = outcome === true ? undefined : outcome;
    for (const start of this.#waiting.splice(0)) start(failure);
  }

  #send(make: () => Query, text: unknown): unknown {
    const closed = this.watch.closed;
    if (closed) return refused(closed.error);
    if (this.#commit) {
      return refused(
        new DatabaseError(
          'A statement was sent after the one its transaction committed with: it did not run',
        ),
      );
    }
    const begun = this.#begun;
    if (begun === true) {
      const query = make();
      if (this.#armed) this.#commitWith(query);
      return query;
    }
    if (begun !== undefined) return refused(begun.error);
    const first = !this.#firstSent && typeof text === 'string' && isPlainRead(text);
    // Anything after a statement that waits waits too, so they keep their order.
    this.#firstSent = true;
    return first ? this.#behindBegin(make()) : this.#afterBegin(make);
  }

  /** The read sent right behind BEGIN: handed over now, its result BEGIN's error if BEGIN failed. */
  #behindBegin(query: Query): Gated {
    const gated = new Gated(query);
    // `then` hands the query to the connection now, behind BEGIN.
    gated.result = query.then(
      (rows) => this.#beginAnswer.then(() => rows),
      (error: unknown) =>
        this.#beginAnswer.then(() => {
          throw error;
        }),
    );
    return gated;
  }

  /** A statement made before BEGIN's answer: handed over once BEGIN succeeded, else refused. */
  #afterBegin(make: () => Query): Gated {
    const gated = new Gated();
    gated.result = new Promise((resolve, reject) => {
      this.#waiting.push((failure) => {
        if (failure) return reject(failure.error);
        const query = make();
        if (gated.mode === 'raw') query.raw();
        else if (gated.mode === 'values') query.values();
        gated.query = query;
        query.execute();
        resolve(query);
      });
    });
    return gated;
  }

  /**
   * Runs `send`, whose next statement is the transaction's last: COMMIT follows it at once. Only
   * once BEGIN has answered (never behind a pipelined BEGIN), and only for the statement `send`
   * makes first; one made after it is refused (it would run outside the transaction).
   */
  async lastStatement<T>(send: () => Promise<T>): Promise<T> {
    this.#armed = this.#begun === true && this.#commit === undefined;
    try {
      return await send();
    } finally {
      this.#armed = false;
    }
  }

  #commitWith(query: Query): void {
    this.#armed = false;
    query.execute();
    // A failure of the statement itself aborted the transaction: COMMIT can only roll it back.
    query.then(undefined, (error: unknown) => {
      this.#lastFailed = !isConnectionLoss(error);
    });
    const commit = this.reserved.unsafe('commit') as Query;
    commit.execute();
    this.#commit = commit;
    // A COMMIT queued behind a statement that waits (described before its first run on this
    // connection) is never answered once the connection closes: the close ends the wait.
    this.#commitAnswer = Promise.race([
      commit.then(
        (answer): CommitAnswer => ({ answer }),
        (error: unknown): CommitAnswer => ({ error }),
      ),
      this.watch.whenClosed().then((lost): CommitAnswer => ({ lost })),
    ]);
  }

  /** True once postgres.js wrote COMMIT (it sets a query's `state` then): it may have run. */
  #commitWritten(): boolean {
    return Boolean((this.#commit as unknown as { state: unknown }).state);
  }

  /** Commits, or checks the answer of the COMMIT sent with the last statement. */
  async commit(): Promise<void> {
    if (this.#commitAnswer) {
      const outcome = await this.#commitAnswer;
      if ('answer' in outcome) return committed(outcome.answer);
      const error = 'lost' in outcome ? outcome.lost : outcome.error;
      if ('error' in outcome && !isConnectionLoss(error)) throw error;
      throw this.#commitWritten() ? commitOutcomeUnknown(error) : lostInTransaction(error);
    }
    // A pipelined BEGIN that failed, with nothing sent after it: its error.
    if (this.#begun !== true) await this.#beginAnswer;
    // Closed before COMMIT was sent: the server rolled back. Lost while it ran: nobody knows.
    const closed = this.watch.closed;
    if (closed) throw lostInTransaction(closed.error);
    const result = await this.reserved.unsafe('commit').catch((error: unknown) => {
      throw isConnectionLoss(error) ? commitOutcomeUnknown(error) : error;
    });
    committed(result);
  }

  /**
   * Rolls back. When COMMIT already went with the last statement, waits for its answer instead:
   * 'committed' when the transaction committed after all, 'unknown' when the connection was lost
   * once COMMIT was written and the last statement had not failed by itself.
   */
  async rollback(): Promise<Ending> {
    if (this.#commitAnswer) {
      const outcome = await this.#commitAnswer;
      if ('answer' in outcome) return outcome.answer.command === 'COMMIT' ? 'committed' : undefined;
      const error = 'lost' in outcome ? outcome.lost : outcome.error;
      if (this.#lastFailed || !isConnectionLoss(error)) return undefined;
      return this.#commitWritten() ? 'unknown' : undefined;
    }
    // BEGIN failed: no transaction to roll back.
    if (
      this.#begun !== true &&
      !(await this.#beginAnswer.then(
        () => true,
        () => false,
      ))
    )
      return undefined;
    // Queued behind a statement described first (a failed one's Sync still unanswered), ROLLBACK is
    // never answered if the connection closes meanwhile: the close ends the wait (seen: a claim
    // whose first read waited on a lock hung after its backend was ended). The server rolled back.
    await Promise.race([this.client.unsafe('rollback'), this.watch.whenClosed()]);
    return undefined;
  }

  release(): void {
    this.watch.release(this.reserved);
  }
}

/** COMMIT on an aborted transaction answers ROLLBACK without an error (semantics.md §1). */
function committed(answer: { command: string }): void {
  if (answer.command !== 'COMMIT') {
    throw new DatabaseError(
      `PostgreSQL answered COMMIT with ${answer.command}: the transaction was rolled back, nothing was written`,
    );
  }
}
