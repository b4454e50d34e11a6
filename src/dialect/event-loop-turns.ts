/**
 * Turns of the event loop for in-process drivers. better-sqlite3 runs a statement synchronously and
 * PGlite answers from WebAssembly: a call on them settles through microtasks alone, so a loop of
 * awaited calls (`while (!stopped) await db.workQueues.claimScheduledRuns(...)`) never let timers
 * or I/O run. A fresh user's worker loop on SQLite made 275 claims in a second while a 10 ms timer
 * never fired, and a loop waiting for a flag set by a timer never ended; on PostgreSQL the socket
 * gives those turns anyway. So, at most every TURN_MS of such calls, a call's result is handed
 * over on the next turn (setImmediate) instead of at once: a few microseconds every 20 ms.
 */
// The module's own binding: fake timers (vitest, sinon) replace the global, and a library call
// waiting on a faked setImmediate would never settle.
import { setImmediate as nextTurn } from 'node:timers';

/** At most this long (ms) of back-to-back calls without a turn of the event loop. */
export const TURN_MS = 20;

/** When calls last let the event loop turn, per process: the loop is the process's own. */
let lastTurn = performance.now();

/**
 * `value`, or a promise of it resolved on the next turn of the event loop when calls have not
 * let the loop turn for TURN_MS. Calls handed over in one turn settle in the order they asked.
 */
export function withTurns<T>(value: T): T | Promise<T> {
  if (performance.now() - lastTurn < TURN_MS) return value;
  return new Promise((resolve) => {
    nextTurn(() => {
      lastTurn = performance.now();
      resolve(value);
    });
  });
}
