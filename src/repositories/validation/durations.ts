/**
 * Durations (semantics.md §2, "Durations"): milliseconds as a number, or a string of digits with
 * `s`, `m`, `h` or `d` (`15s`, `10m`, `12h`, `30d`). At most 10 years.
 */
import { z } from 'zod';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_MS = 10 * 365 * 86_400_000;

/** A duration in milliseconds: a number, or a string such as `15s`, `10m`, `12h`, `30d`. */
export const duration = z
  .custom<number | string>(() => true)
  .transform((value, ctx) => {
    let ms: number | undefined;
    if (typeof value === 'number' && Number.isFinite(value)) ms = value;
    else if (typeof value === 'string') {
      const m = /^(\d{1,12})(s|m|h|d)$/.exec(value.trim());
      if (m) ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    }
    if (ms === undefined || ms < 0 || ms > MAX_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration: milliseconds from 0 to ${MAX_MS}, or a string such as "15s", "10m", "12h", "30d"`,
      });
      return z.NEVER;
    }
    return ms;
  });
