import type postgres from 'postgres';

/** The part of postgres.js's connection object that `begin()` itself uses to learn of a close. */
interface WatchedConnection {
  onclose: ((error: unknown) => void) | null;
}

/**
 * Watches the connection under a reserved postgres.js client. postgres.js 3.4 keeps sending a
 * reserved client's queries to its connection after the server closed it (an idle-in-transaction
 * timeout, `pg_terminate_backend`, a restart), and the write then throws inside a timer, which
 * ends the process. `begin()` avoids this by listening for the close on the connection object it
 * receives through the `onexecute` query option; we do the same, refuse further queries with the
 * close error, and never hand a closed connection back to the pool.
 */
export class ConnectionWatch {
  #lost: unknown;
  #closed = false;
  #connection: WatchedConnection | undefined;
  /**
   * Called once when the connection closes. A reserved client's queries still queued behind the
   * one in flight are never answered then (postgres.js drops the reservation), so whoever queued
   * several at once must learn of the close here.
   */
  onClose: ((error: unknown) => void) | undefined;
  #whenClosed: Promise<unknown> | undefined;
  #resolveClosed: ((error: unknown) => void) | undefined;

  /** Pass as the `onexecute` option of the first query: it receives the connection. */
  readonly attach = (connection: WatchedConnection): boolean => {
    this.#connection = connection;
    connection.onclose = (error) => {
      this.#closed = true;
      this.#lost = error;
      this.onClose?.(error);
      this.#resolveClosed?.(error);
    };
    // True keeps the reserved connection where it is (a false answer would mark it busy).
    return true;
  };

  /** The error the connection closed with, once it has closed. */
  get closed(): { error: unknown } | undefined {
    return this.#closed ? { error: this.#lost } : undefined;
  }

  /**
   * Resolves with the close error once the connection has closed (never, if it stays open): for
   * a wait on a query queued behind another, which the close leaves unanswered.
   */
  whenClosed(): Promise<unknown> {
    if (this.#closed) return Promise.resolve(this.#lost);
    this.#whenClosed ??= new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    return this.#whenClosed;
  }

  /** A client that refuses queries once the connection closed, with the close error. */
  guard(reserved: postgres.ReservedSql): postgres.ReservedSql {
    return new Proxy(reserved, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'unsafe' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (this.#closed) return refused(this.#lost);
          return value.apply(target, args);
        };
      },
    });
  }

  /** Gives the connection back to the pool, unless it closed (the pool has already dropped it). */
  release(reserved: postgres.ReservedSql): void {
    if (this.#closed) return;
    if (this.#connection) this.#connection.onclose = null;
    reserved.release();
  }
}

/** A rejected query with the methods the library calls on a postgres.js query (`values`, `raw`, `execute`). */
export function refused(
  error: unknown,
): Promise<never> & Record<'values' | 'raw' | 'execute', () => Promise<never>> {
  const promise = Promise.reject(error);
  promise.catch(() => undefined);
  return Object.assign(promise, { values: () => promise, raw: () => promise, execute: () => promise });
}
