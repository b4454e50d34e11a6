/**
 * The async context's call frame (transaction.ts `Frame`) for the handles on one connection, kept
 * in one AsyncLocalStorage for the whole process. On Node 20 every enabled AsyncLocalStorage
 * copies its value onto every promise the process creates (an async-hooks init per storage), so a
 * storage per handle taxed every promise once per handle opened: with 16 PostgreSQL handles, 16
 * copies per promise. In a micro-benchmark of awaited async calls, one enabled storage took 2.8x
 * the CPU of none and sixteen 40x (issue 13).
 *
 * A `FrameStorage` behaves as an AsyncLocalStorage of its own: its `getStore()` is the frame of the
 * innermost `run` of this same storage around the current async context, whatever other storages
 * ran inside it. The shared value is a chain holding the innermost frame of each storage in
 * scope, newest first, at most one entry per storage (so it never grows with nesting or time).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Frame } from './transaction.js';

/** One storage's frame in the shared chain. */
interface Entry {
  readonly scope: FrameStorage;
  readonly frame: Frame;
  /** The frames of other storages in scope here. */
  readonly outer: Entry | undefined;
}

const shared = new AsyncLocalStorage<Entry>();

/** An AsyncLocalStorage of call frames, one per connection, sharing the process's one storage. */
export class FrameStorage {
  /** Runs `fn` with `frame` as this storage's frame, the other storages' frames unchanged. */
  run<R>(frame: Frame, fn: () => R): R {
    return shared.run({ scope: this, frame, outer: this.#others(shared.getStore()) }, fn);
  }

  /** This storage's frame in the current async context, if any. */
  getStore(): Frame | undefined {
    for (let entry = shared.getStore(); entry; entry = entry.outer) {
      if (entry.scope === this) return entry.frame;
    }
    return undefined;
  }

  /** `chain` without this storage's entry. */
  #others(chain: Entry | undefined): Entry | undefined {
    // The common cases: nothing in scope, or this storage's frame first (a call inside a call or a
    // transaction of the same handle); its `outer` never holds this storage.
    if (!chain) return undefined;
    if (chain.scope === this) return chain.outer;
    // Another handle's frame around this one: rebuilt without ours, when ours is further in.
    const rest = this.#others(chain.outer);
    return rest === chain.outer ? chain : { scope: chain.scope, frame: chain.frame, outer: rest };
  }
}
