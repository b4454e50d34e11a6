/**
 * A first-in, first-out async mutex. SQLite (one connection per file per process) and PGlite (one
 * session) put one in front of their connection so two callers never interleave and a plain call
 * never slips into someone else's open transaction; every transaction has one too, so calls made
 * on it concurrently run one at a time in the order they were made (semantics.md §1).
 *
 * It is deliberately not reentrant: a call made by library code while it holds the gate is
 * recognised by its call frame (see `transaction.ts`), never by the async context alone, so work
 * that outlives its caller (a timer, an un-awaited promise) cannot slip past it.
 */
export class Gate {
  #tail: Promise<void> = Promise.resolve();
  /** Callers that have entered and not yet settled. */
  #entered = 0;

  /** True when no caller is running or waiting: a synchronous call made now cannot overtake one. */
  get idle(): boolean {
    return this.#entered === 0;
  }

  /**
   * Runs `fn` once every earlier caller has finished; `settled`, when given, runs as it settles
   * (on the reaction the gate needs anyway, instead of a promise chain of the caller's own).
   */
  run<T>(fn: () => Promise<T>, settled?: () => void): Promise<T> {
    this.#entered += 1;
    const result = this.#tail.then(fn);
    const left = () => {
      this.#entered -= 1;
      settled?.();
    };
    this.#tail = result.then(left, left);
    return result;
  }
}
