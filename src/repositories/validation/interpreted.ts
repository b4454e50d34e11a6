/**
 * JSON the library itself reads: its time values follow the time rules (times.ts) and are stored
 * in one form, `Date.prototype.toISOString()` (UTC, milliseconds), whatever form they came in.
 */
import { z } from 'zod';
import type { EmpiricalPolicy, StateDetails } from '../../schema/json-types.js';
import { jsonObject } from './json.js';
import { dateProblem, parseTime } from './times.js';

/** The `stateDetails` keys that hold times (Prefect's scheduled_time, pause_timeout, cache_expiration). */
export const STATE_DETAILS_TIME_KEYS = ['scheduledTime', 'pauseTimeout', 'cacheExpiration'] as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A state's details: a JSON object whose time keys are times, normalised (null means none). A Date
 * at a time key is checked before the JSON conversion, which would turn an invalid one into null.
 */
export const stateDetails = z
  .custom<Record<string, unknown>>(() => true)
  .superRefine((raw, ctx) => {
    if (!isPlainObject(raw)) return;
    for (const key of STATE_DETAILS_TIME_KEYS) {
      const value = raw[key];
      const problem = value instanceof Date ? dateProblem(value) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [key] });
    }
  })
  .pipe(jsonObject)
  .transform((details, ctx) => {
    const out: Record<string, unknown> = { ...details };
    for (const key of STATE_DETAILS_TIME_KEYS) {
      const value = out[key];
      if (value === undefined || value === null) continue;
      const parsed = parseTime(value);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem, path: [key] });
        return z.NEVER;
      }
      out[key] = parsed.date.toISOString();
    }
    return out as StateDetails;
  }) as unknown as z.ZodType<StateDetails, Record<string, unknown>>;

const seconds = z.number().finite().min(0, { error: 'must be a number of seconds, 0 or more' });

/**
 * A run's `empiricalPolicy` (flow and task runs): a JSON object whose members the library or a
 * worker reads have the types `EmpiricalPolicy` gives them (the claim skips `retryType:
 * 'in_process'`, a transition reads `resuming`); other keys are kept as given.
 */
export const empiricalPolicy = (jsonObject as z.ZodType<Record<string, unknown>>).pipe(
  z.looseObject({
    retries: z
      .number({ error: 'must be a whole number, 0 or more, or null' })
      .int({ error: 'must be a whole number, 0 or more, or null' })
      .min(0, { error: 'must be a whole number, 0 or more, or null' })
      .nullable()
      .optional(),
    retryDelaySeconds: z
      .union([seconds, z.array(seconds)], {
        error: 'must be a number of seconds (0 or more), a list of them, or null',
      })
      .nullable()
      .optional(),
    retryType: z
      .enum(['in_process', 'reschedule'], { error: "must be 'in_process', 'reschedule' or null" })
      .nullable()
      .optional(),
    resuming: z.boolean({ error: 'must be true or false' }).optional(),
    pauseKeys: z
      .array(z.string({ error: 'must be a list of strings' }), { error: 'must be a list of strings' })
      .optional(),
  }),
) as unknown as z.ZodType<EmpiricalPolicy, Record<string, unknown>>;
