/**
 * Durations for the loop services (`minTime = '1h'`, `maxTime = '100d'`): a number of seconds, or
 * a string of a number and a unit — `ms`, `s`, `m`, `h`, `d` — as Prefect's settings read them.
 * Validated to milliseconds between 0 and 10,000 days, so a window never leaves the time range.
 */
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_MS = 10_000 * UNIT_MS.d;
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** A duration in milliseconds, from seconds (a number) or a string such as `'15s'`, `'1h'`, `'100d'`. */
export const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  let ms: number;
  if (typeof value === 'number') ms = value * 1000;
  else {
    const match = PATTERN.exec(value.trim());
    if (!match) {
      ctx.addIssue({ code: 'custom', message: 'must be seconds or a duration such as "15s", "1h", "100d"' });
      return z.NEVER;
    }
    ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_MS) {
    ctx.addIssue({ code: 'custom', message: 'must be between 0 and 10000 days' });
    return z.NEVER;
  }
  return Math.round(ms);
});
