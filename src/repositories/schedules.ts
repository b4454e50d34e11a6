/**
 * Schedules as pure functions: the instants an interval, cron or rrule schedule produces in a window.
 * Interval schedules fire at anchor + k·interval for every whole k, negative too (before the
 * anchor, as Prefect's IntervalSchedule); those whose interval is a whole number of days keep their
 * wall-clock time in their timezone across daylight-saving changes; shorter intervals are exact
 * elapsed time. Cron schedules:
 * see schedules/cron.ts; rrule schedules: schedules/rrule.ts.
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import type { Schedule } from '../schema/json-types.js';
import { cronInstants, cronNeverFires, cronProblem } from './schedules/cron.js';
import { MAX_RRULE_CHARS, compileRRule, rruleInstants } from './schedules/rrule.js';
import { MAX_TIME, boundedString, parseLocalTime } from './validation.js';

export { CRON_SHORTCUTS } from './schedules/cron.js';

const DAY_SECONDS = 86_400;
/** Prefect's default anchor for interval schedules. */
export const DEFAULT_ANCHOR = '2020-01-01T00:00:00.000Z';

const INTERVAL_MAX_SECONDS = 10 * 365 * DAY_SECONDS;
const INTERVAL_MIN_SECONDS = 1;
const KINDS = ['interval', 'cron', 'rrule'] as const;
type Kind = (typeof KINDS)[number];
const KEYS: Record<Kind, string[]> = {
  interval: ['interval', 'anchorDate', 'timezone'],
  cron: ['cron', 'timezone', 'dayOr'],
  rrule: ['rrule', 'timezone'],
};

const timezone = boundedString({ minChars: 1, maxChars: 64 }).refine(
  (tz) => IANAZone.isValidZone(tz),
  'must be an IANA timezone such as "Europe/Berlin"',
);

const intervalSchedule = z.object({
  interval: z
    .custom<number>(
      (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
      'interval must be a positive number of seconds',
    )
    // Below a second the scheduler would write up to maxRuns runs a second apart or closer: a typo
    // (0.0001 for 1e4), not a schedule. Cron's own resolution is a minute.
    .refine((v) => v >= INTERVAL_MIN_SECONDS, `interval must be at least ${INTERVAL_MIN_SECONDS} second`)
    .refine(
      (v) => v <= INTERVAL_MAX_SECONDS,
      `interval must be at most ${INTERVAL_MAX_SECONDS} seconds (10 years)`,
    ),
  /** A `Date`, or a string: with an offset that instant, without one wall-clock time in `timezone`. */
  anchorDate: z.custom<string | Date>(() => true).optional(),
  timezone: timezone.nullable().optional(),
});

const cronSchedule = z.object({
  cron: z
    .custom<string>((v) => typeof v === 'string', 'cron must be a string such as "0 9 * * 1-5" or "@daily"')
    .pipe(boundedString({ minChars: 1, maxChars: 256 }))
    .superRefine((pattern, ctx) => {
      const problem = cronProblem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  timezone: timezone.nullable().optional(),
  dayOr: z.boolean().optional(),
});

const rruleSchedule = z.object({
  rrule: z
    .custom<string>(
      (v) => typeof v === 'string',
      'rrule schedules need an RFC 5545 rule as a string, e.g. "FREQ=WEEKLY;BYDAY=MO,WE,FR"',
    )
    .pipe(boundedString({ minChars: 1, maxChars: MAX_RRULE_CHARS }))
    .superRefine((text, ctx) => {
      const compiled = compileRRule(text);
      if ('problem' in compiled) ctx.addIssue({ code: 'custom', message: compiled.problem });
    }),
  timezone: timezone.nullable().optional(),
});

/** What the API takes for `schedule` (camelCase), per kind (exported as deployments' ScheduleInput.schedule). */
type ScheduleInput =
  | z.input<typeof intervalSchedule>
  | z.input<typeof cronSchedule>
  | z.input<typeof rruleSchedule>;

/**
 * The kind of a schedule by its key, or what is wrong with its shape; so that an error says what
 * is wrong ("interval must be a positive number of seconds") rather than "invalid input" for the
 * whole schedule, as a union would.
 */
function kindOf(value: unknown): { kind: Kind } | { problem: string } {
  const need = 'a schedule needs one of interval (seconds), cron or rrule';
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: `${need}, as an object` };
  const kinds = KINDS.filter((k) => k in value);
  const [kind] = kinds;
  if (kind === undefined) return { problem: need };
  if (kinds.length > 1) return { problem: `a schedule is one kind; it has ${kinds.join(' and ')}` };
  const unknown = Object.keys(value).filter((k) => !KEYS[kind].includes(k));
  if (unknown.length > 0) {
    return {
      problem: `${kind} schedules take ${KEYS[kind].join(', ')}; unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`,
    };
  }
  return { kind };
}

type ScheduleOutput = Schedule;

/**
 * A schedule as the API takes it: `{ interval, anchorDate?, timezone? }` (seconds; the anchor a
 * `Date` or an ISO string, without an offset read in `timezone`), `{ cron, timezone?, dayOr? }`
 * (five fields or a shortcut such as `@daily`) or `{ rrule, timezone? }` (RFC 5545; see
 * schedules/rrule.ts). Anchors are stored as `toISOString()`, beside the timezone, which keeps
 * their wall-clock meaning (semantics.md §2, "Times").
 */
export const scheduleSchema = z
  .custom<ScheduleInput>(() => true)
  .transform((value, ctx): ScheduleOutput => {
    const shape = kindOf(value);
    if ('problem' in shape) {
      ctx.addIssue({ code: 'custom', message: shape.problem });
      return z.NEVER;
    }
    const result = { interval: intervalSchedule, cron: cronSchedule, rrule: rruleSchedule }[
      shape.kind
    ].safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const [field] = issue.path;
        // Messages that already name their field stand alone; others get the field as their path.
        const named = typeof field === 'string' && issue.message.startsWith(field);
        ctx.addIssue({
          code: 'custom',
          message: issue.message,
          path: named ? [] : (issue.path as (string | number)[]),
        });
      }
      return z.NEVER;
    }
    const data = result.data as Record<string, unknown>;
    if (shape.kind === 'cron') {
      // Only a cron valid in every field can be run: the zone and dayOr decide when it fires.
      const problem = cronNeverFires(data as { cron: string });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      return problem ? z.NEVER : (data as ScheduleOutput);
    }
    if (shape.kind === 'rrule') {
      const problem = tzidProblem(data as { rrule: string; timezone?: string | null });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      return problem ? z.NEVER : (data as ScheduleOutput);
    }
    if (shape.kind === 'interval' && data.anchorDate !== undefined) {
      const parsed = parseLocalTime(data.anchorDate, (data.timezone as string | null | undefined) ?? 'UTC');
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem, path: ['anchorDate'] });
        return z.NEVER;
      }
      return { ...data, anchorDate: parsed.date.toISOString() } as ScheduleOutput;
    }
    return data as ScheduleOutput;
  });

/**
 * A TZID in the rule naming another zone than the schedule's `timezone` (UTC by default). Prefect's
 * `to_rrule` replaces every TZID by `timezone` and keeps the wall-clock time, so such a rule runs
 * hours away from what it says; refused rather than silently moved (docs/work.md, "Schedules").
 */
function tzidProblem(s: { rrule: string; timezone?: string | null }): string | undefined {
  const zone = s.timezone ?? 'UTC';
  for (const [, tzid] of s.rrule.matchAll(/;TZID=([^:;\s]+)/gi)) {
    if (tzid !== zone)
      return `rrule has TZID=${tzid} but the schedule's timezone is ${zone}: the rule's times are wall-clock times in timezone; set timezone to '${tzid}' or drop the TZID`;
  }
  return undefined;
}

/**
 * The schedule with every default spelled out (timezone UTC; an interval's anchor
 * 2020-01-01T00:00Z, as an ISO instant; a cron's `dayOr` true), as sorted JSON: two schedules that
 * fire at the same instants written with and without their defaults (or with `null` for one) have
 * the same key, so a redeploy matches them and keeps the schedule's id (docs/work.md, "Schedule
 * identity"). An interval in UTC is the same with or without `timezone`: UTC days are 24 hours.
 */
export function scheduleKey(schedule: Schedule): string {
  const s = schedule as Record<string, unknown>;
  const timezone = canonicalZone((s.timezone as string | null | undefined) ?? 'UTC');
  let full: Record<string, unknown>;
  if ('interval' in s) {
    const anchor = new Date((s.anchorDate as string | Date | undefined) ?? DEFAULT_ANCHOR);
    // A stored anchor is an ISO instant; one that is not (written by hand) is compared as written.
    const anchorDate = Number.isNaN(anchor.getTime()) ? s.anchorDate : anchor.toISOString();
    full = { interval: s.interval, anchorDate, timezone };
  } else if ('cron' in s) full = { cron: s.cron, timezone, dayOr: (s.dayOr as boolean | undefined) ?? true };
  else full = { rrule: s.rrule, timezone };
  return JSON.stringify(Object.entries(full).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The zone's canonical IANA name (`Etc/UTC` and `Zulu` are `UTC`, `europe/berlin` is
 * `Europe/Berlin`, `US/Eastern` is `America/New_York`): names of one zone fire at the same
 * instants, so they are one schedule (a fresh user's trial). A name Intl refuses stays as written.
 */
function canonicalZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}

/** Up to `max` instants in [start, end), in order. */
export function scheduleInstants(schedule: Schedule, start: Date, until: Date, max: number): Date[] {
  // No instant past the last one the library accepts anywhere (semantics.md §2 "Times").
  const end = until > MAX_TIME ? new Date(MAX_TIME.getTime() + 1) : until;
  if (max <= 0 || end <= start) return [];
  if ('interval' in schedule) return intervalInstants(schedule, start, end, max);
  if ('cron' in schedule) return cronInstants(schedule, start, end, max);
  return rruleInstants(schedule, start, end, max);
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
    // k may be negative: a window before the anchor has the anchor's instants too (Prefect steps
    // back from the anchor: anchor + k·interval for any whole k).
    let k = Math.floor((start.getTime() - anchor.getTime()) / stepMs) - 1;
    while (out.length < max) {
      const at = local.plus({ days: k * days }).toJSDate();
      k++;
      if (at < start) continue;
      if (at >= end) break;
      out.push(at);
    }
    return out;
  }
  let k = Math.ceil((start.getTime() - anchor.getTime()) / stepMs);
  while (out.length < max) {
    const at = new Date(anchor.getTime() + k * stepMs);
    k++;
    if (at < start) continue;
    if (at >= end) break;
    out.push(at);
  }
  return out;
}
