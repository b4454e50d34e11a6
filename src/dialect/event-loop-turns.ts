/**
 * Turns of the event loop for in-process drivers. better-sqlite3 runs a statement synchronously and
 * PGlite answers from WebAssembly: a call on them settles through microtasks alone, so a loop of
 * awaited calls (`while (!stopped) await db.workQueues.claimScheduledRuns(...)`) never let timers
 * or I/O run. A fresh user's worker loop on SQLite made 275 claims in a second while a 10 ms timer
 * never fired, and a loop waiting for a flag set by a timer never ended; on PostgreSQL the socket
 * gives those turns anyway. So, at most every TURN_MS of such calls, the next call behind the gate
 * starts on the next turn (setImmediate) instead of at once: a few microseconds every 20 ms.
 */
// The module's own binding: fake timers (vitest, sinon) replace the global, and a library call
// waiting on a faked setImmediate would never settle.
import { setImmediate as nextTurn } from 'node:timers';

/** At most this long (ms) of back-to-back calls without a turn of the event loop. */
export const TURN_MS = 20;

/** When calls last let the event loop turn, per process: the loop is the process's own. */
let lastTurn = performance.now();

/**
 * A promise of the next turn of the event loop when calls have not let it turn for TURN_MS, else
 * undefined. For the gate: a loop of awaited calls, and calls queued together (a fresh user's 500
 * concurrent claims on SQLite let a 5 ms interval tick once in 583 ms), start one after another
 * in microtasks.
 */
export function turnIfDue(): Promise<void> | undefined {
  if (!turnDue()) return undefined;
  return new Promise((resolve) => {
    nextTurn(() => {
      lastTurn = performance.now();
      resolve();
    });
  });
}

/** True when calls have not let the event loop turn for TURN_MS: the next one waits for a turn. */
export function turnDue(): boolean {
  return performance.now() - lastTurn >= TURN_MS;
}
