/**
 * Cron schedules, as Prefect's `CronSchedule`: `{ cron, timezone?, dayOr? }`, five fields or a
 * shortcut (`@daily`), evaluated by croner in `timezone` (UTC when absent). `dayOr: false` needs
 * day-of-month AND day-of-week to match (default: either, when both are restricted).
 *
 * DST: a fixed local time skipped by a spring-forward runs at the first instant after the gap
 * (croner), other times in the gap do not run, and a local time repeated by a fall-back runs once,
 * at its first occurrence (repeatedWallTime). A cron that can never run is refused (cronNeverFires)
 * rather than accepted and silently scheduling nothing.
 */
import { Cron, CronPattern } from 'croner';
import { IANAZone } from 'luxon';
import { wallClockInstants } from '../validation/times.js';

/** Cron nicknames croner understands besides five fields (`@reboot` is not a schedule). */
export const CRON_SHORTCUTS = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
];

export interface CronSpec {
  cron: string;
  timezone?: string | null | undefined;
  dayOr?: boolean | undefined;
}

/** The five fields, their names and the values each takes (day of week: 0 and 7 are Sunday). */
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

/**
 * The first number written in a field outside that field's values, said with the field's name
 * and the number as written. Croner's own message names its internal value instead (a day of
 * month 0 was "Invalid value for day: -1"). Names, `L`, `W` and `#` are left to croner.
 */
function fieldOutOfRange(fields: string[]): string | undefined {
  for (const [i, field] of fields.entries()) {
    const { name, min, max } = CRON_FIELDS[i]!;
    for (const item of field.split(',')) {
      const [values] = item.split('/');
      for (const value of values!.split('#')[0]!.split('-')) {
        if (/^\d+$/.test(value) && (Number(value) < min || Number(value) > max))
          return `${name} ${value} is out of range ${min}-${max}`;
      }
    }
  }
  return undefined;
}

/** What is wrong with the text of a cron (its shape, its values and croner's parse), or undefined. */
export function cronProblem(pattern: string): string | undefined {
  const trimmed = pattern.trim();
  const shortcut = trimmed.startsWith('@');
  if (shortcut && !CRON_SHORTCUTS.includes(trimmed.toLowerCase())) {
    return `cron shortcut must be one of ${CRON_SHORTCUTS.join(', ')} (got "${trimmed}")`;
  }
  if (!shortcut && trimmed.split(/\s+/).length !== 5) {
    return `cron must be five fields such as "0 9 * * 1-5" or a shortcut such as "@daily" (got "${pattern}")`;
  }
  const outOfRange = shortcut ? undefined : fieldOutOfRange(trimmed.split(/\s+/));
  if (outOfRange) return `cron "${pattern}" is not valid: ${outOfRange}`;
  try {
    new Cron(trimmed, { paused: true });
  } catch (error) {
    return `cron "${pattern}" is not valid: ${(error as Error).message}`;
  }
  return undefined;
}

const MINUTE = 60_000;
/**
 * How far ahead cronNeverFires looks, in years. A year is one of 14 kinds (leap or not, and the
 * weekday of January 1st), and every 28 years between two century years that are not leap years
 * (2100, 2200, 2300) hold all 14; any 100 years hold such a stretch. The daylight-saving rules of
 * the time-zone database name days by the calendar ("last Sunday of March"), so they follow the
 * year's kind too (its explicit future transitions end sooner: Morocco's, 2087). A cron that runs
 * at all, then, runs within 100 years from now; the property test checks it against a walk of a
 * whole 400-year Gregorian cycle.
 */
export const CRON_HORIZON_YEARS = 100;
const HORIZON_MS = CRON_HORIZON_YEARS * 365.2425 * 86_400_000;

/**
 * Why a valid cron can never run, or undefined when it runs within CRON_HORIZON_YEARS from now
 * (and so at all). Two steps:
 * - the calendar: croner with a zero UTC offset walks wall-clock time by arithmetic alone (its UTC
 *   fields read as local ones), so `0 0 31 2 *`, or `0 0 31 2 1` with `dayOr: false`, is answered
 *   in milliseconds;
 * - the zone: a cron whose every match falls in a spring-forward gap never runs either
 *   (`*\/30 2 25-31 3 0` with `dayOr: false` in Europe/Berlin: 02:00-02:59 on the last Sunday of
 *   March does not exist). Each skipped match jumps to the end of its gap, a step per gap day
 *   rather than one per minute in it as croner's own search in the zone would take (seconds). A
 *   fixed time (one minute, one hour) runs after the gap, so only the calendar counts for it.
 */
export function cronNeverFires(s: CronSpec): string | undefined {
  const pattern = s.cron.trim();
  const andDays = s.dayOr === false;
  const zoneName = s.timezone ?? 'UTC';
  const zone = IANAZone.create(zoneName);
  const wall = new Cron(pattern, { paused: true, utcOffset: 0, domAndDow: andDays });
  const now = Date.now();
  const from = now + zone.offset(now) * MINUTE;
  const within = (at: Date | null): at is Date => at !== null && at.getTime() < from + HORIZON_MS;
  let at = wall.nextRun(new Date(from));
  if (!within(at)) {
    const how = andDays ? ' with dayOr false (day-of-month and day-of-week both)' : '';
    return `cron "${s.cron}" never fires: no date matches it${how}`;
  }
  if (new CronPattern(pattern).isFixedTime) return undefined;
  while (within(at)) {
    const gapEnd = skippedUntil(zone, at.getTime());
    if (gapEnd === undefined) return undefined;
    // nextRun is exclusive of its argument, in whole seconds: a match at the gap's end counts.
    at = wall.nextRun(new Date(gapEnd - 1));
  }
  return `cron "${s.cron}" never fires in ${zoneName}: every time it matches is skipped by a daylight-saving change`;
}

/**
 * Undefined when the wall-clock time `wall` (UTC fields read as local ones) happens in `zone`;
 * when a spring-forward skips it, the wall-clock time at which that gap ends.
 */
function skippedUntil(zone: IANAZone, wall: number): number | undefined {
  if (wallClockInstants(zone, wall).length > 0) return undefined;
  const offsets = [-1, 0, 1].map((days) => zone.offset(wall + days * 86_400_000) * MINUTE);
  // The change lies between the instants the wall-clock time would have under each offset.
  let lo = wall - Math.max(...offsets);
  let hi = wall - Math.min(...offsets);
  const before = zone.offset(lo);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (zone.offset(mid) === before) lo = mid;
    else hi = mid;
  }
  // Changes fall on whole seconds: the first instant of the new offset.
  const change = Math.floor(hi / 1000) * 1000;
  return change + zone.offset(change) * MINUTE;
}

/**
 * Zone names whose offset is 0 and never changes (the IANA database's links to UTC): no fall-back
 * to look for, and croner counts in UTC without a zone. Each zone lookup formats a date through
 * Intl; 10,000 instants of a per-minute cron took 2.1–2.3 s in UTC, all but ~10 ms in lookups.
 */
const UTC_NAMES = new Set([
  'UTC',
  'Etc/UTC',
  'Etc/UCT',
  'UCT',
  'Etc/Universal',
  'Universal',
  'Etc/Zulu',
  'Zulu',
  'GMT',
  'Etc/GMT',
  'Etc/GMT0',
  'Etc/GMT+0',
  'Etc/GMT-0',
  'GMT0',
  'GMT+0',
  'GMT-0',
  'Greenwich',
  'Etc/Greenwich',
]);

/** Up to `max` instants of the cron in [start, end), in order. */
export function cronInstants(s: CronSpec, start: Date, end: Date, max: number): Date[] {
  const name = s.timezone ?? 'UTC';
  const utc = UTC_NAMES.has(name);
  const cron = new Cron(s.cron.trim(), {
    ...(utc ? { utcOffset: 0 } : { timezone: name }),
    paused: true,
    domAndDow: s.dayOr === false,
  });
  const zone = utc ? undefined : IANAZone.create(name);
  const out: Date[] = [];
  // nextRun is exclusive of its argument: start one millisecond early so `start` itself counts.
  let cursor: Date | null = new Date(start.getTime() - 1);
  while (out.length < max) {
    cursor = cron.nextRun(cursor);
    if (!cursor || cursor >= end) break;
    if (zone === undefined || !repeatedWallTime(zone, cursor.getTime())) out.push(cursor);
  }
  return out;
}

/** The longest a fall-back repeats wall-clock time (1 h almost everywhere; 30 min on Lord Howe). */
const MAX_FALL_BACK_MS = 3 * 3_600_000;

/**
 * Whether the wall-clock time of `ms` in `zone` already happened at an earlier instant (the second
 * pass through an hour a fall-back repeats). Cron fires on schedule times, not elapsed time, so each
 * wall-clock time runs once, at its first occurrence (Prefect's CronSchedule: an hourly cron pauses
 * two hours across a fall-back rather than firing 1 am twice).
 */
function repeatedWallTime(zone: IANAZone, ms: number): boolean {
  const offset = zone.offset(ms);
  const before = zone.offset(ms - MAX_FALL_BACK_MS);
  if (before <= offset) return false;
  // The same wall-clock time under the earlier, larger offset: it was an earlier instant.
  const earlier = ms - (before - offset) * MINUTE;
  return zone.offset(earlier) === before;
}
