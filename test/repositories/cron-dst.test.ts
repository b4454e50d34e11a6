/**
 * Cron schedules across daylight-saving changes (docs/work.md "Schedules"): each wall-clock time the
 * cron names runs once, at its first occurrence; a fall-back does not run the repeated hour again
 * (Prefect's CronSchedule: "an hourly cron schedule will fire on every new schedule hour, not every
 * elapsed hour"). A property over zones, dates and minute/hour patterns against an oracle that walks
 * the window minute by minute, and the trial's example through scheduleRuns on both dialects.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { scheduleInstants } from '../../src/repositories/schedules.js';
import { fieldValues } from '../support/cron-fields.js';
import { deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Asia/Tokyo',
  'UTC',
];
/** Minute and hour fields only (the rest `*`), so the oracle can match them without a cron library. */
const MINUTES = ['0', '30', '*/15', '*/7', '5,50', '*'];
const HOURS = ['*', '1', '1-3', '*/2', '0,2'];

/**
 * The instants the cron should fire at in [start, end): matching wall times at their first
 * occurrence. (Windows with a spring-forward gap are left to the table tests: croner runs a skipped
 * fixed hour at the first instant after the gap, but no wildcard or stepped hour.)
 */
function oracle(cron: [string, string], zone: string, start: number, end: number): number[] {
  const minutes = fieldValues(cron[0], 59);
  const hours = fieldValues(cron[1], 23);
  const matches = (naive: number) => {
    const d = new Date(naive);
    return minutes.has(d.getUTCMinutes()) && hours.has(d.getUTCHours());
  };
  const seen = new Set<number>();
  const out: number[] = [];
  // From three hours before the window: a wall time first seen there is a repeat inside it.
  for (let ms = start - 3 * HOUR; ms < end; ms += MINUTE) {
    // The wall-clock time as a naive UTC millisecond count.
    const naive = ms + DateTime.fromMillis(ms, { zone }).offset * MINUTE;
    const inside = ms >= start;
    const repeat = seen.has(naive);
    seen.add(naive);
    if (inside && !repeat && matches(naive) && out.at(-1) !== ms) out.push(ms);
  }
  return out;
}

describe('cron schedules across daylight-saving changes', () => {
  it('fire once per matching wall-clock time, at its first occurrence, in every zone', () => {
    // Windows of up to 12 hours around the days of 2024-2027 (transitions included by density).
    const days = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 11, 31) });
    const fallBacks = fc
      .tuple(fc.constantFrom(...ZONES), fc.integer({ min: 2024, max: 2027 }))
      .map(([zone, year]) => {
        // The zone's fall-back that year (its offset going down), found by hourly steps; else mid-year.
        const offset = (t: number) => DateTime.fromMillis(t, { zone }).offset;
        const from = Date.UTC(year, 0, 1);
        for (let ms = from + HOUR; ms < Date.UTC(year + 1, 0, 1); ms += HOUR)
          if (offset(ms) < offset(ms - HOUR)) return { zone, at: ms };
        return { zone, at: Date.UTC(year, 6, 1) };
      });
    fc.assert(
      fc.property(
        fc.oneof(
          fallBacks,
          fc.tuple(fc.constantFrom(...ZONES), days).map(([zone, at]) => ({ zone, at })),
        ),
        fc.integer({ min: -6 * 60, max: 6 * 60 }),
        fc.integer({ min: 1, max: 12 * 60 }),
        fc.constantFrom(...MINUTES),
        fc.constantFrom(...HOURS),
        ({ zone, at }, fromMinutes, lengthMinutes, minute, hour) => {
          const start = Math.floor(at / MINUTE) * MINUTE + fromMinutes * MINUTE;
          const end = start + lengthMinutes * MINUTE;
          const offset = (t: number) => DateTime.fromMillis(t, { zone }).offset;
          fc.pre(offset(end) <= offset(start - 3 * HOUR));
          const got = scheduleInstants(
            { cron: `${minute} ${hour} * * *`, timezone: zone },
            new Date(start),
            new Date(end),
            10_000,
          ).map((d) => d.getTime());
          expect(got).toEqual(oracle([minute, hour], zone, start, end));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe.each(DIALECTS)('cron at a fall-back, through scheduleRuns (%s)', (dialect) => {
  const { f, deploy, runsOf } = deploymentFixture(dialect);
  it('an hourly cron runs 1 am once when New York falls back (2026-11-01)', async () => {
    const d = await deploy({
      schedules: [{ schedule: { cron: '0 * * * *', timezone: 'America/New_York' } }],
    });
    // 00:00 EDT to 04:00 EST.
    await f.db.deployments.scheduleRuns(d.id, {
      start: new Date('2026-11-01T04:00:00Z'),
      end: new Date('2026-11-01T09:00:01Z'),
    });
    const wall = (await runsOf(d.id)).map((r) =>
      DateTime.fromJSDate(r.expectedStartTime!, { zone: 'America/New_York' }).toFormat('HH:mm ZZZZ'),
    );
    expect(wall).toEqual(['00:00 EDT', '01:00 EDT', '02:00 EST', '03:00 EST', '04:00 EST']);
  });
});
