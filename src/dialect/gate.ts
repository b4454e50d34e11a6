/**
 * An async mutex. SQLite (one connection per file per process) and PGlite (one session) put one in
 * front of their connection so two callers never interleave and a plain call never slips into
 * someone else's open transaction.
 */
export class Gate {
  #tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier caller has finished. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
