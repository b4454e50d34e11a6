/**
 * Schedules as pure functions: the instants an interval or cron schedule produces in a window.
 * Interval schedules whose interval is a whole number of days keep their wall-clock time in their
 * timezone across daylight-saving changes; shorter intervals are exact elapsed time. Cron schedules
 * are evaluated in their timezone: a local time skipped by a spring-forward runs at the first
 * instant after the gap, and a local time repeated by a fall-back runs once.
 */
import { Cron } from 'croner';
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { Schedule } from '../schema/json-types.js';
import { MAX_TIME, boundedString, parseLocalTime } from './validation.js';

const DAY_SECONDS = 86_400;
/** Prefect's default anchor for interval schedules. */
export const DEFAULT_ANCHOR = '2020-01-01T00:00:00.000Z';

const timezone = boundedString({ minChars: 1, maxChars: 64 }).refine(
  (tz) => IANAZone.isValidZone(tz),
  'must be an IANA timezone such as "Europe/Berlin"',
);

/**
 * An anchor with an offset is that instant; one without is wall-clock time in the schedule's
 * timezone (UTC when it has none), as in Prefect (semantics.md §2, "Times"). Either way it is
 * stored as `toISOString()`, beside the timezone, which keeps the wall-clock meaning.
 */
const intervalSchedule = z
  .strictObject({
    interval: z
      .number()
      .positive()
      .max(10 * 365 * DAY_SECONDS),
    anchorDate: z.custom<string | Date>(() => true).optional(),
    timezone: timezone.nullable().optional(),
  })
  .transform((s, ctx) => {
    const { anchorDate, ...rest } = s;
    if (anchorDate === undefined) return rest;
    const parsed = parseLocalTime(anchorDate, s.timezone ?? 'UTC');
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem, path: ['anchorDate'] });
      return z.NEVER;
    }
    return { ...s, anchorDate: parsed.date.toISOString() };
  });

const cronSchedule = z.strictObject({
  cron: boundedString({ minChars: 1, maxChars: 256 }).refine((pattern) => {
    try {
      new Cron(pattern, { paused: true });
      return pattern.trim().split(/\s+/).length === 5;
    } catch {
      return false;
    }
  }, 'must be a five-field cron expression such as "0 9 * * 1-5"'),
  timezone: timezone.nullable().optional(),
  dayOr: z.boolean().optional(),
});

type ScheduleOutput = z.output<typeof intervalSchedule> | z.output<typeof cronSchedule>;
type ScheduleInput = z.input<typeof intervalSchedule> | z.input<typeof cronSchedule>;

/**
 * A schedule as the API takes it (camelCase). rrule schedules are not supported yet. The kind is
 * chosen by its `cron` key, not by a union, so that an error names the field (`anchorDate`) rather
 * than "invalid input" for the whole schedule.
 */
export const scheduleSchema = z
  .custom<ScheduleInput>(() => true)
  .transform((value, ctx): ScheduleOutput => {
    const kind =
      typeof value === 'object' && value !== null && 'cron' in value ? cronSchedule : intervalSchedule;
    const result = kind.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as (string | number)[] });
    }
    return z.NEVER;
  });

/** Up to `max` instants in [start, end), in order. */
export function scheduleInstants(schedule: Schedule, start: Date, until: Date, max: number): Date[] {
  // No instant past the last one the library accepts anywhere (semantics.md §2 "Times").
  const end = until > MAX_TIME ? new Date(MAX_TIME.getTime() + 1) : until;
  if (max <= 0 || end <= start) return [];
  if ('interval' in schedule) return intervalInstants(schedule, start, end, max);
  if ('cron' in schedule) return cronInstants(schedule, start, end, max);
  throw new ValidationError('rrule schedules are not supported yet; use an interval or a cron schedule');
}

function intervalInstants(
  s: { interval: number; anchorDate?: string; timezone?: string | null },
  start: Date,
  end: Date,
  max: number,
): Date[] {
  const anchor = new Date(s.anchorDate ?? DEFAULT_ANCHOR);
  const out: Date[] = [];
  const stepMs = s.interval * 1000;
  if (s.timezone && s.interval % DAY_SECONDS === 0) {
    // Whole days: step in local calendar days so 09:00 stays 09:00 across DST.
    const days = s.interval / DAY_SECONDS;
    const local = DateTime.fromJSDate(anchor, { zone: s.timezone });
    let k = Math.max(0, Math.floor((start.getTime() - anchor.getTime()) / stepMs) - 1);
    while (out.length < max) {
      const at = local.plus({ days: k * days }).toJSDate();
      k++;
      if (at < start) continue;
      if (at >= end) break;
      out.push(at);
    }
    return out;
  }
  let k = Math.max(0, Math.ceil((start.getTime() - anchor.getTime()) / stepMs));
  while (out.length < max) {
    const at = new Date(anchor.getTime() + k * stepMs);
    k++;
    if (at < start) continue;
    if (at >= end) break;
    out.push(at);
  }
  return out;
}

function cronInstants(
  s: { cron: string; timezone?: string | null; dayOr?: boolean },
  start: Date,
  end: Date,
  max: number,
): Date[] {
  const cron = new Cron(s.cron, {
    timezone: s.timezone ?? 'UTC',
    paused: true,
    domAndDow: s.dayOr === false,
  });
  const out: Date[] = [];
  // nextRun is exclusive of its argument: start one millisecond early so `start` itself counts.
  let cursor: Date | null = new Date(start.getTime() - 1);
  while (out.length < max) {
    cursor = cron.nextRun(cursor);
    if (!cursor || cursor >= end) break;
    out.push(cursor);
  }
  return out;
}
