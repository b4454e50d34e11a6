import type { OrionDbError } from '../errors.js';

const STACKED = Symbol('orion-db caller stack');

/**
 * Appends the caller's frames to an error the library raised. A call waits behind the gate or a
 * transaction's queue before it runs, so the stack of an error raised while it runs shows only
 * the library's own frames; `site` was captured where the caller made the call (issue 7 §3).
 */
export function withCallerStack<E extends OrionDbError>(error: E, site: Error): E {
  const carrier = error as E & { [STACKED]?: true };
  if (carrier[STACKED] || !site.stack) return error;
  carrier[STACKED] = true;
  const frames = site.stack.split('\n').slice(1).join('\n');
  if (frames) error.stack = `${error.stack ?? String(error)}\n    --- called from ---\n${frames}`;
  return error;
}
