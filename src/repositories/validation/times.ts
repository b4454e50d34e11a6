/**
 * Times (semantics.md §2, "Times"): a `Date`, or an ISO-8601 string with an offset (`Z` or
 * `±hh:mm`; the `T` may be `t` or a space, RFC 3339), between 0100-01-01 and 9999-12-31 (UTC). A string without an offset would be read in
 * the host's time zone, so it is refused; the one exception, a schedule's `anchorDate`, goes
 * through `parseLocalTime` with the schedule's time zone. The range is where both dialects agree:
 * Drizzle writes year 10000 as `+010000-…` and PostgreSQL reads year 0099 back as 1999.
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

/** The earliest accepted instant: 0100-01-01T00:00:00.000Z. */
export const MIN_TIME = new Date('0100-01-01T00:00:00.000Z');
/** The latest accepted instant: 9999-12-31T23:59:59.999Z. */
export const MAX_TIME = new Date('9999-12-31T23:59:59.999Z');

const FORMAT_HINT = 'an ISO-8601 date-time with an offset (Z or ±hh:mm), e.g. 2026-12-01T02:00:00Z';
const RANGE = `between ${MIN_TIME.toISOString()} and ${MAX_TIME.toISOString()}`;

// Expanded years (±YYYYYY, what toISOString gives outside 0000-9999) are parsed only to report them
// as out of range rather than malformed. The date and time may be split by `T`, `t` or one space,
// and UTC written `Z` or `z`, as RFC 3339 (5.6) allows: Python's `str(datetime)` gives
// `2026-12-01 02:00:00+00:00`, what a Prefect user's script sends.
const ISO =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?$/;

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Digits past the millisecond that are not all zero (the time lies inside its millisecond). */
  subMillisecond: boolean;
  /** Minutes east of UTC, or undefined when the string had none. */
  offset: number | undefined;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * The fields of `value`; undefined when it is not an ISO-8601 date-time at all, a sentence when it
 * has the shape but names a date, time or offset that does not exist (`2026-02-30`, `24:00`): the
 * caller says which, rather than that the format is wrong (a fresh user's trial).
 */
function fields(value: string): Fields | string | undefined {
  const m = ISO.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, off] = m;
  const f: Fields = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s ?? 0),
    // Stored to the millisecond: further digits are truncated, as new Date() does.
    millisecond: Number((frac ?? '').padEnd(3, '0').slice(0, 3)),
    subMillisecond: /[1-9]/.test((frac ?? '').slice(3)),
    offset: undefined,
  };
  if (off && off !== 'Z' && off !== 'z') {
    const oh = Number(off.slice(1, 3));
    const om = Number(off.slice(4, 6));
    if (oh > 23 || om > 59) return `names an offset that does not exist (${off}; offsets run to ±23:59)`;
    f.offset = (off[0] === '-' ? -1 : 1) * (oh * 60 + om);
  } else if (off === 'Z' || off === 'z') {
    f.offset = 0;
  }
  if (f.month < 1 || f.month > 12) return `names month ${mo}, which does not exist (months are 01 to 12)`;
  const leap = f.year % 4 === 0 && (f.year % 100 !== 0 || f.year % 400 === 0);
  const maxDay = f.month === 2 ? (leap ? 29 : 28) : new Date(Date.UTC(2000, f.month, 0)).getUTCDate();
  if (f.day < 1 || f.day > maxDay) {
    return `names a day that does not exist (${y}-${mo}-${d}: ${MONTHS[f.month - 1]} ${y} has ${maxDay} days)`;
  }
  if (f.hour > 23 || f.minute > 59 || f.second > 59) {
    return `names a time of day that does not exist (${h}:${mi}${s === undefined ? '' : `:${s}`}; hours run 00-23, minutes and seconds 00-59)`;
  }
  return f;
}

function utcMillis(f: Fields): number {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, f.millisecond);
  return d.getTime() - (f.offset ?? 0) * 60_000;
}

/** What is wrong with `date` as a time input, or undefined. */
export function dateProblem(date: Date): string | undefined {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return 'must be a valid date';
  if (ms < MIN_TIME.getTime() || ms > MAX_TIME.getTime()) {
    return `must be ${RANGE} (got ${new Date(ms).toISOString()})`;
  }
  return undefined;
}

/**
 * Parses a time input (a Date or a string with an offset); returns the instant or a problem. Times
 * are kept to the millisecond: with `round: 'up'` a string with digits past the millisecond gives the
 * next millisecond (a lower bound `≥ 00.0005` must not take a time stored as `00.000`), otherwise
 * they are truncated (right for an upper bound `≤`, and what `new Date()` does).
 */
export function parseTime(
  value: unknown,
  round: 'down' | 'up' = 'down',
): { date: Date } | { problem: string } {
  if (value instanceof Date) {
    const problem = dateProblem(value);
    return problem ? { problem } : { date: new Date(value.getTime()) };
  }
  if (typeof value !== 'string') return { problem: `must be a Date or ${FORMAT_HINT}` };
  const f = fields(value);
  if (!f) return { problem: `must be ${FORMAT_HINT}` };
  if (typeof f === 'string') return { problem: f };
  if (f.offset === undefined) {
    return { problem: `must have an offset (Z or ±hh:mm); "${value}" would be read in the host's time zone` };
  }
  const date = new Date(utcMillis(f));
  const problem = dateProblem(date);
  if (problem) return { problem };
  // Rounded up inside the range: a bound within the last millisecond of 9999 stays at MAX_TIME.
  if (round === 'up' && f.subMillisecond && date.getTime() < MAX_TIME.getTime()) {
    return { date: new Date(date.getTime() + 1) };
  }
  return { date };
}

/**
 * The instants (ms) at which the wall-clock time `wall` (its UTC fields read as local fields)
 * happens in `tz`: one, two in an hour a fall-back repeats, none in one a spring-forward skips.
 */
export function wallClockInstants(tz: IANAZone, wall: number): number[] {
  // Offsets in force around the wall-clock time; a candidate is real when its offset is in force then.
  const offsets = new Set([tz.offset(wall - 86_400_000), tz.offset(wall), tz.offset(wall + 86_400_000)]);
  return [...offsets]
    .map((offset) => wall - offset * 60_000)
    .filter((instant) => wall - tz.offset(instant) * 60_000 === instant);
}

/**
 * The instant of a wall-clock time in `zone`. When the time occurs twice (a fall-back), the earlier
 * instant, as Python's zoneinfo does with fold=0; when it is skipped (a spring-forward), Luxon's
 * answer: the same wall-clock time shifted forward by the gap.
 */
function wallClockInstant(f: Fields, zone: string): Date | undefined {
  const tz = IANAZone.create(zone);
  if (!tz.isValid) return undefined;
  const real = wallClockInstants(tz, utcMillis({ ...f, offset: 0 }));
  if (real.length > 0) return new Date(Math.min(...real));
  const local = DateTime.fromObject(
    {
      year: f.year,
      month: f.month,
      day: f.day,
      hour: f.hour,
      minute: f.minute,
      second: f.second,
      millisecond: f.millisecond,
    },
    { zone },
  );
  return local.isValid ? local.toJSDate() : undefined;
}

/**
 * The instant at which a floating wall-clock time (its fields read as UTC fields, the way the
 * rrule library represents floating times) happens in `zone`, by the same rule as schedule anchors:
 * a time skipped by a spring-forward moves forward by the gap, a repeated one is the earlier
 * instant. Undefined for an unknown zone.
 */
export function wallClockToInstant(floating: Date, zone: string): Date | undefined {
  return wallClockInstant(
    {
      year: floating.getUTCFullYear(),
      month: floating.getUTCMonth() + 1,
      day: floating.getUTCDate(),
      hour: floating.getUTCHours(),
      minute: floating.getUTCMinutes(),
      second: floating.getUTCSeconds(),
      millisecond: floating.getUTCMilliseconds(),
      subMillisecond: false,
      offset: undefined,
    },
    zone,
  );
}

/**
 * Parses a schedule anchor: with an offset like any time, without one as wall-clock time in `zone`
 * (Prefect's rule). A wall-clock time skipped by a daylight-saving change moves forward by the
 * gap; one that occurs twice means the earlier instant (see wallClockInstant).
 */
export function parseLocalTime(value: unknown, zone: string): { date: Date } | { problem: string } {
  if (typeof value === 'string') {
    const f = fields(value);
    if (typeof f === 'object' && f.offset === undefined) {
      const date = wallClockInstant(f, zone);
      if (!date) return { problem: `is not a valid time in ${zone}` };
      const problem = dateProblem(date);
      return problem ? { problem } : { date };
    }
  }
  const parsed = parseTime(value);
  // parseTime's message asks for an offset, which a wall-clock time here may leave out.
  if ('problem' in parsed && typeof value === 'string' && / with an offset/.test(parsed.problem))
    return {
      problem: `must be an ISO-8601 date-time, with an offset (Z or ±hh:mm) or without one for wall-clock time in ${zone}`,
    };
  return parsed;
}

/**
 * A time input: a Date or an ISO-8601 string with an offset, in range; parsed to a Date, digits
 * past the millisecond rounded as `round` says (see parseTime).
 */
const timeRounded = (round: 'down' | 'up') =>
  z
    .custom<Date | string>(() => true)
    .transform((value, ctx) => {
      const parsed = parseTime(value, round);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed.date;
    });

/** A time input (see timeRounded); digits past the millisecond are truncated. */
export const time = timeRounded('down');
/**
 * A time that is an inclusive lower bound (`after`, `≥`): digits past the millisecond round up, so
 * the bound never takes a time stored before it.
 */
export const timeLowerBound = timeRounded('up');
