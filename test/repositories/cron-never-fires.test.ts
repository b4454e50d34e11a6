/**
 * A cron that can never run is refused (docs/work.md "Schedules"): no date matches it (with
 * `dayOr: false` both day fields must), or every time it matches falls in a spring-forward gap of
 * its timezone. The property compares the check with an oracle that reads the fields by hand and
 * walks one 400-year Gregorian cycle day by day (the calendar, and the zones' daylight-saving rules,
 * repeat after it), asking Luxon whether each matching wall-clock time exists; whatever is accepted
 * also gets an occurrence from scheduleInstants (croner, in the zone) within the horizon used.
 * Through the repositories on both dialects: test/repositories/deployment-updates.test.ts.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CRON_HORIZON_YEARS } from '../../src/repositories/schedules/cron.js';
import { scheduleInstants, scheduleSchema } from '../../src/repositories/schedules.js';
import type { Schedule } from '../../src/schema/json-types.js';
import { fieldValues } from '../support/cron-fields.js';

const DAY = 86_400_000;
const CYCLE_DAYS = 146_097;
const HORIZON_MS = CRON_HORIZON_YEARS * 365.2425 * DAY;

interface Spec {
  cron: string;
  timezone: string;
  dayOr: boolean;
}

/** Whether the cron runs within a 400-year cycle from today, read without a cron library. */
function firesInCycle({ cron, timezone, dayOr }: Spec): boolean {
  const [minuteField, hourField, domField, monthField, dowField] = cron.split(' ') as [
    string,
    string,
    string,
    string,
    string,
  ];
  const minutes = [...fieldValues(minuteField, 59)];
  const hours = [...fieldValues(hourField, 23)];
  const doms = fieldValues(domField, 31, 1);
  const months = fieldValues(monthField, 12, 1);
  const dows = fieldValues(dowField, 6);
  // Cron's rule: both day fields restricted means either (unless dayOr is false); a `*` means the other.
  const either = dayOr && domField !== '*' && dowField !== '*';
  // croner runs a fixed time (one minute, one hour) skipped by a spring-forward after the gap.
  const fixed = minutes.length === 1 && hours.length === 1 && !/[*/]/.test(minuteField + hourField);
  const today = DateTime.now().setZone(timezone);
  const start = Date.UTC(today.year, today.month - 1, today.day);
  for (let k = 0; k < CYCLE_DAYS; k++) {
    const day = new Date(start + k * DAY);
    const [year, month, date] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    if (!months.has(month)) continue;
    const domOk = doms.has(date);
    const dowOk = dows.has(day.getUTCDay());
    if (!(either ? domOk || dowOk : domOk && dowOk)) continue;
    if (fixed) return true;
    for (const hour of hours) {
      for (const minute of minutes) {
        // Luxon moves a skipped wall-clock time forward: the time exists when it comes back unchanged.
        const local = DateTime.fromObject({ year, month, day: date, hour, minute }, { zone: timezone });
        if (local.day === date && local.hour === hour && local.minute === minute) return true;
      }
    }
  }
  return false;
}

/** The check's answer, and when accepted, whether croner finds an occurrence within the horizon. */
function check(spec: Spec): { accepted: boolean; message: string; occurs: boolean } {
  const parsed = scheduleSchema.safeParse(spec);
  if (!parsed.success) return { accepted: false, message: parsed.error.issues[0]!.message, occurs: false };
  const now = Date.now();
  const first = scheduleInstants(parsed.data as Schedule, new Date(now), new Date(now + HORIZON_MS), 1);
  return { accepted: true, message: '', occurs: first.length === 1 };
}

const MINUTES = ['0', '15', '*/30', '0-29', '30-59', '0,45', '*'];
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Asia/Kolkata',
];
// Fields that often never match together: short months, late days, weekdays in day ranges.
const anySpec = fc.record({
  minute: fc.constantFrom(...MINUTES),
  hour: fc.constantFrom('2', '0', '1-2', '2,14', '3', '*'),
  dom: fc.constantFrom('*', '1', '13', '29', '30', '31', '29-31', '1-7', '8-14', '24-31', '25-31'),
  month: fc.constantFrom('*', '2', '3', '9', '10', '4,6,9,11', '2,4', '3,10'),
  dow: fc.constantFrom('*', '0', '1', '5', '6', '0,6', '1-5'),
  dayOr: fc.boolean(),
  timezone: fc.constantFrom(...ZONES),
});
/** Each zone's spring-forward: the Sunday (month, days), hour and minutes its gap skips. */
const GAPS: [string, { month: string; dom: string; hour: string; minute: string }][] = [
  ['Europe/Berlin', { month: '3', dom: '25-31', hour: '2', minute: '*/30' }],
  ['America/New_York', { month: '3', dom: '8-14', hour: '2', minute: '*' }],
  ['Australia/Lord_Howe', { month: '10', dom: '1-7', hour: '2', minute: '0-29' }],
  ['America/Santiago', { month: '9', dom: '2-8', hour: '0', minute: '0,45' }],
];
/** Near a gap: each field is the gap's most of the time, so some crons match nothing else. */
const gapSpec = fc.constantFrom(...GAPS).chain(([timezone, gap]) =>
  fc.record({
    minute: fc.constantFrom(gap.minute, gap.minute, gap.minute, ...MINUTES),
    hour: fc.constantFrom(gap.hour, gap.hour, gap.hour, '1-2'),
    dom: fc.constantFrom(gap.dom, gap.dom, gap.dom, '*', '24-31'),
    month: fc.constantFrom(gap.month, gap.month, gap.month, '*'),
    dow: fc.constantFrom('0', '0', '0', '*', '0,6'),
    dayOr: fc.constantFrom(false, false, false, true),
    timezone: fc.constant(timezone),
  }),
);

describe('crons that never fire', () => {
  it('are refused exactly when no day in a 400-year cycle has a time they match that exists', () => {
    fc.assert(
      fc.property(fc.oneof(anySpec, gapSpec), ({ minute, hour, dom, month, dow, dayOr, timezone }) => {
        const s = { cron: `${minute} ${hour} ${dom} ${month} ${dow}`, timezone, dayOr };
        const { accepted, message, occurs } = check(s);
        expect(accepted).toBe(firesInCycle(s));
        if (accepted) expect(occurs).toBe(true);
        else expect(message).toContain('never fires');
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    // dayOr false: both day fields must match.
    ['0 0 31 2 1', 'UTC', false, 'no date matches it with dayOr false'],
    ['0 0 1-7 * 1#2', 'UTC', false, 'no date matches it with dayOr false'],
    ['0 0 30 2 *', 'UTC', true, 'never fires: no date matches it'],
    // Every matching time is skipped by a spring-forward.
    ['*/30 2 25-31 3 0', 'Europe/Berlin', false, 'never fires in Europe/Berlin'],
    ['* 2 * 3 0L', 'Europe/Berlin', true, 'skipped by a daylight-saving change'],
    ['* 2 * 3 0#5', 'Europe/Berlin', true, 'skipped by a daylight-saving change'],
    ['* 2 8-14 3 0', 'America/New_York', false, 'never fires in America/New_York'],
    ['0-29 2 1-7 10 0', 'Australia/Lord_Howe', false, 'never fires in Australia/Lord_Howe'],
  ])('refuses %s in %s (dayOr %s): %s', (cron, timezone, dayOr, says) => {
    const { accepted, message } = check({ cron, timezone, dayOr });
    expect(accepted).toBe(false);
    expect(message).toContain(says);
  });

  it.each([
    ['0 0 31 2 1', 'UTC', true], // Mondays in February
    ['0 0 29 2 1', 'UTC', false], // a leap day on a Monday (2044)
    ['0 0 13 * 5', 'UTC', false], // Friday the 13th
    ['30 2 25-31 3 0', 'Europe/Berlin', false], // a fixed time runs after the gap
    ['*/30 2 25-31 3 0', 'UTC', false], // no gap in UTC
    ['0-30 2 1-7 10 0', 'Australia/Lord_Howe', false], // 02:30 exists on Lord Howe
    ['* 2 24-31 3 0', 'Europe/Berlin', false], // the 24th when it is a Sunday
    ['@yearly', 'Europe/Berlin', false],
  ])('accepts %s in %s (dayOr %s), which occurs', (cron, timezone, dayOr) => {
    expect(check({ cron, timezone, dayOr })).toEqual({ accepted: true, message: '', occurs: true });
  });
});
