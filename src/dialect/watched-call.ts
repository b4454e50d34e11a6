/**
 * Calls made on a `tx` handle, watched for a failure nobody handles. A call the callback forgot to
 * await that fails would otherwise be an unhandledRejection after the commit, and the transaction
 * would commit without it. A call counts as handled once a rejection handler was attached to the
 * promise the caller got (`await`, `.catch`, `.then(f, g)`, `Promise.all`/`allSettled`...): the
 * returned promise is a subclass whose `then` notes it. When the callback and the calls it
 * started are done, the first failed call nobody handled rolls the transaction back and is its
 * error (docs/database.md "Commit waits").
 */

/** The promise a `tx` call returns: a native promise that notes when a rejection handler is attached. */
export class WatchedCall<T> extends Promise<T> {
  // Promises derived with then/catch are plain ones: only the caller's own promise is watched.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  handled = false;

  // biome-ignore lint/suspicious/noThenProperty: the point of the class is to see handlers attached
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    if (typeof onRejected === 'function') this.handled = true;
    return super.then(onFulfilled, onRejected);
  }
}

/** The calls made on one transaction's handles, and which of them failed. */
export class CallWatch {
  readonly #failed: { call: WatchedCall<unknown>; error: unknown }[] = [];
  #closed = false;

  /** `promise` as the caller's promise for a call on this transaction. */
  watch<T>(promise: Promise<T>): Promise<T> {
    let reject!: (error: unknown) => void;
    let resolve!: (value: T) => void;
    const call = new WatchedCall<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Node's own tracking: a failure we report must not also be an unhandledRejection. The native
    // then (not the override) leaves `handled` alone.
    Promise.prototype.then.call(call, undefined, ignore);
    promise.then(resolve, (error: unknown) => {
      if (this.#closed) rethrowUnhandled(call, error);
      else this.#failed.push({ call: call as WatchedCall<unknown>, error });
      reject(error);
    });
    return call;
  }

  /**
   * Once the callback and its calls are done: the first failed call nobody handled (undefined if
   * none). From now on a failure nobody handles is Node's unhandledRejection again, as are the
   * others when `report` is false (the transaction failed for a reason of its own).
   */
  close(report: boolean): { error: unknown } | undefined {
    this.#closed = true;
    if (this.#failed.length === 0) return undefined;
    const unhandled = this.#failed.filter((f) => !f.call.handled);
    this.#failed.length = 0;
    const [first, ...rest] = report ? unhandled : [undefined, ...unhandled];
    for (const failure of rest) if (failure) rethrowUnhandled(failure.call, failure.error);
    return first ? { error: first.error } : undefined;
  }
}

function ignore(): void {}

/** Lets a failure nobody handled surface as Node reports it, unless a handler comes late. */
function rethrowUnhandled(call: WatchedCall<unknown>, error: unknown): void {
  queueMicrotask(() => {
    if (!call.handled) Promise.reject(error);
  });
}
