import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * An async mutex. SQLite (one connection per file per process) and PGlite (one session) put one in
 * front of their connection so two callers never interleave and a plain call never slips into
 * someone else's open transaction. It is reentrant within one async context, so a call made while
 * holding it (a repository method calling another) does not wait for itself.
 */
export class Gate {
  #tail: Promise<void> = Promise.resolve();
  readonly #holder = new AsyncLocalStorage<true>();

  /** Runs `fn` once every earlier caller has finished (at once when this context holds the gate). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#holder.getStore()) return fn();
    const result = this.#tail.then(() => this.#holder.run(true, fn));
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
