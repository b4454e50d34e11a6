/**
 * rrule schedules, cron shortcuts and schedule validation messages (issue 11, section 3): pure
 * expansion examples across daylight-saving changes, a property over random rules and zones
 * against an oracle built from RFC 5545's rules; the same through deployments on both dialects is
 * rrule-deployments.test.ts.
 */
import fc from 'fast-check';
import { IANAZone, DateTime } from 'luxon';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CRON_SHORTCUTS, scheduleInstants, scheduleSchema } from '../../src/repositories/schedules.js';
import { type InstantsCase, expectInstants, instants } from '../support/instants.js';

const { rrulestr, RRule } = createRequire(import.meta.url)('rrule') as typeof import('rrule');

describe('rrule instants (table-driven, across daylight-saving changes)', () => {
  it.each([
    {
      what: 'daily 09:00 New York keeps its wall-clock time across the spring-forward change',
      schedule: { rrule: 'FREQ=DAILY;BYHOUR=9;BYMINUTE=0', timezone: 'America/New_York' },
      start: '2026-03-07T00:00:00Z',
      end: '2026-03-10T00:00:00Z',
      expected: ['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z'],
    },
    {
      what: 'daily 02:30 New York: the skipped local time uses the offset before the gap (03:30 EDT)',
      schedule: { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', timezone: 'America/New_York' },
      start: '2026-03-07T00:00:00Z',
      end: '2026-03-10T00:00:00Z',
      expected: ['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z'],
    },
    {
      what: 'every 30 minutes through the spring-forward gap: no instant twice, in order',
      schedule: { rrule: 'FREQ=MINUTELY;INTERVAL=30', timezone: 'America/New_York' },
      start: '2026-03-08T06:00:00Z',
      end: '2026-03-08T08:30:00Z',
      expected: [
        '2026-03-08T06:00:00.000Z',
        '2026-03-08T06:30:00.000Z',
        '2026-03-08T07:00:00.000Z',
        '2026-03-08T07:30:00.000Z',
        '2026-03-08T08:00:00.000Z',
      ],
    },
    {
      what: 'hourly at :30 through the fall-back hour: the repeated local time runs once',
      schedule: { rrule: 'FREQ=HOURLY;BYMINUTE=30', timezone: 'America/New_York' },
      start: '2026-11-01T04:00:00Z',
      end: '2026-11-01T08:00:00Z',
      expected: ['2026-11-01T04:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T07:30:00.000Z'],
    },
    {
      what: 'Monday, Wednesday, Friday 09:00 Berlin with a DTSTART and an EXDATE, across summer time',
      schedule: {
        rrule: 'DTSTART:20260101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\nEXDATE:20260330T090000',
        timezone: 'Europe/Berlin',
      },
      start: '2026-03-25T00:00:00Z',
      end: '2026-04-04T00:00:00Z',
      expected: [
        '2026-03-25T08:00:00.000Z',
        '2026-03-27T08:00:00.000Z',
        '2026-04-01T07:00:00.000Z',
        '2026-04-03T07:00:00.000Z',
      ],
    },
    {
      what: 'last Sunday of March 02:30 Berlin (always skipped) runs at 03:30 summer time',
      schedule: { rrule: 'FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30', timezone: 'Europe/Berlin' },
      start: '2026-01-01T00:00:00Z',
      end: '2028-01-01T00:00:00Z',
      expected: ['2026-03-29T01:30:00.000Z', '2027-03-28T01:30:00.000Z'],
    },
    {
      what: 'a DTSTART with the TZID of the schedule timezone and UNTIL are wall-clock times there',
      schedule: {
        rrule: 'DTSTART;TZID=Europe/London:20260301T080000\nRRULE:FREQ=DAILY;UNTIL=20260303T080000',
        timezone: 'Europe/London',
      },
      start: '2026-01-01T00:00:00Z',
      end: '2027-01-01T00:00:00Z',
      expected: ['2026-03-01T08:00:00.000Z', '2026-03-02T08:00:00.000Z', '2026-03-03T08:00:00.000Z'],
    },
    {
      what: 'without DTSTART the rule starts 2020-01-01T00:00 (Prefect): every 3rd day keeps that phase',
      schedule: { rrule: 'FREQ=DAILY;INTERVAL=3' },
      start: '2026-01-01T00:00:00Z',
      end: '2026-01-07T00:00:00Z',
      expected: ['2026-01-02T00:00:00.000Z', '2026-01-05T00:00:00.000Z'],
    },
    {
      what: 'RDATEs alone, in UTC, with COUNT rules done',
      schedule: { rrule: 'RDATE:20260105T120000,20260102T120000\nRRULE:FREQ=DAILY;COUNT=1' },
      start: '2026-01-01T00:00:00Z',
      end: '2027-01-01T00:00:00Z',
      expected: ['2026-01-02T12:00:00.000Z', '2026-01-05T12:00:00.000Z'],
    },
  ] satisfies InstantsCase[])('$what', expectInstants);

  // Speed is the bench's business (no timed assertions); a rule walked from its DTSTART would
  // meet the test timeout here.
  it('honours max for a secondly rule far from its DTSTART', () => {
    const got = instants(
      { rrule: 'FREQ=SECONDLY', timezone: 'Pacific/Apia' },
      '2026-02-27T00:00:00Z',
      '2026-06-01T00:00:00Z',
      3,
    );
    expect(got).toEqual(['2026-02-27T00:00:00.000Z', '2026-02-27T00:00:01.000Z', '2026-02-27T00:00:02.000Z']);
  });

  it('cron shortcuts are what their five fields say, in the schedule timezone', () => {
    const window = ['2026-03-06T00:00:00Z', '2027-01-02T00:00:00Z'] as const;
    for (const [shortcut, fields] of [
      ['@hourly', '0 * * * *'],
      ['@daily', '0 0 * * *'],
      ['@midnight', '0 0 * * *'],
      ['@weekly', '0 0 * * 0'],
      ['@monthly', '0 0 1 * *'],
      ['@yearly', '0 0 1 1 *'],
      ['@annually', '0 0 1 1 *'],
    ]) {
      const tz = 'America/New_York';
      expect(instants({ cron: shortcut, timezone: tz }, ...window, 50)).toEqual(
        instants({ cron: fields, timezone: tz }, ...window, 50),
      );
    }
    expect(
      instants({ cron: '@daily', timezone: 'Europe/Berlin' }, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z'),
    ).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z']);
  });
});

describe('schedule validation says what is wrong', () => {
  it.each([
    [{ interval: 0 }, 'interval must be a positive number of seconds'],
    [{ interval: -5 }, 'interval must be a positive number of seconds'],
    [{ interval: '60' }, 'interval must be a positive number of seconds'],
    [{ interval: Number.NaN }, 'interval must be a positive number of seconds'],
    [{ interval: 1e12 }, 'interval must be at most 315360000 seconds (10 years)'],
    [{ rrule: 5 }, 'rrule schedules need an RFC 5545 rule as a string'],
    [{ rrule: 'FREQ=DAILY;BYHOUR=24' }, 'rrule BYHOUR values must be in 0..23 (got 24)'],
    [{ rrule: 'FREQ=MONTHLY;BYMONTHDAY=0' }, 'rrule BYMONTHDAY values must be in ±1..31 (got 0)'],
    [{ rrule: 'FREQ=DAILY;INTERVAL=0' }, 'rrule INTERVAL must be a whole number from 1 to 1000000 (got 0)'],
    [{ rrule: 'FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z' }, 'rrule takes COUNT or UNTIL, not both'],
    [{ rrule: 'FREQ=DAILY;COUNT=100001' }, 'COUNT must be a whole number from 1 to 100000'],
    [{ rrule: 'every day' }, 'rrule is not an RFC 5545 rule'],
    [{ rrule: 'FREQ=SOMETIMES' }, 'rrule is not an RFC 5545 rule'],
    [{ rrule: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30' }, 'rrule never occurs: no day matches its BY rules'],
    [{ rrule: 'FREQ=MINUTELY;INTERVAL=28;BYMINUTE=2' }, 'rrule never occurs: its INTERVAL never reaches'],
    [
      { rrule: 'DTSTART:20260105T000000\nRRULE:FREQ=DAILY;INTERVAL=7;BYDAY=TU' },
      'rrule never occurs: its INTERVAL is whole weeks',
    ],
    [
      { rrule: 'FREQ=MINUTELY;INTERVAL=7;BYHOUR=7' },
      'rrule with BYHOUR needs a MINUTELY or SECONDLY INTERVAL that divides 60',
    ],
    [{ rrule: 'FREQ=DAILY;BYSETPOS=2' }, 'rrule never occurs: BYSETPOS is beyond the set'],
    [{ rrule: 'EXDATE:20260101T000000' }, 'rrule schedules need at least one RRULE or RDATE'],
    [{ rrule: `FREQ=DAILY;${'BYHOUR=1;'.repeat(800)}` }, 'at most 6500 characters'],
    [{ rrule: 'FREQ=DAILY', timezone: 'Mars/Olympus' }, 'must be an IANA timezone'],
    [{ cron: 'every day' }, 'cron must be five fields such as "0 9 * * 1-5" or a shortcut such as "@daily"'],
    [{ cron: '* * * * * *' }, 'cron must be five fields'],
    [
      { cron: '@reboot' },
      'cron shortcut must be one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly',
    ],
    [{ cron: '61 * * * *' }, 'cron "61 * * * *" is not valid'],
    [{ cron: 9 }, 'cron must be a string'],
    [{ interval: 60, cron: '* * * * *' }, 'a schedule is one kind; it has interval and cron'],
    [
      { interval: 60, colour: 'red' },
      'interval schedules take interval, anchorDate, timezone; unknown key "colour"',
    ],
    [{ rrule: 'FREQ=DAILY', dayOr: true }, 'rrule schedules take rrule, timezone; unknown key "dayOr"'],
    [{}, 'a schedule needs one of interval (seconds), cron or rrule'],
    [null, 'a schedule needs one of interval (seconds), cron or rrule, as an object'],
    [{ interval: 60, anchorDate: 'tomorrow' }, 'anchorDate: must be an ISO-8601 date-time'],
    // A date alone: the message does not ask for an offset, as wall-clock times need none.
    [
      { interval: 60, anchorDate: '2020-01-01' },
      'anchorDate: must be an ISO-8601 date-time, with an offset (Z or ±hh:mm) or without one for wall-clock time in UTC',
    ],
    [{ interval: 60, anchorDate: new Date(Number.NaN) }, 'anchorDate: must be a valid date'],
  ])('%#: %s', (schedule, message) => {
    const result = scheduleSchema.safeParse(schedule);
    expect(result.success).toBe(false);
    const text = result
      .error!.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    expect(text).toContain(message);
    expect(text).not.toContain('Invalid input');
  });

  it('accepts an anchorDate Date and every shortcut', () => {
    expect(scheduleSchema.parse({ interval: 60, anchorDate: new Date('2026-01-01T09:00:00+01:00') })).toEqual(
      {
        interval: 60,
        anchorDate: '2026-01-01T08:00:00.000Z',
      },
    );
    for (const cron of [...CRON_SHORTCUTS, ' @DAILY ']) {
      expect(scheduleSchema.safeParse({ cron }).success).toBe(true);
    }
  });
});

// ---- Property: random rules and zones against an oracle from RFC 5545 §3.3.5 -------------------

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Asia/Kolkata',
  'Pacific/Chatham',
];
/** Window starts near the 2026 daylight-saving changes of these zones, and anywhere in the year. */
const CHANGES = [
  '2026-03-08',
  '2026-03-29',
  '2026-04-05',
  '2026-09-06',
  '2026-09-27',
  '2026-10-04',
  '2026-10-25',
  '2026-11-01',
].map((d) => Date.parse(`${d}T00:00:00Z`));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const ruleArb = fc
  .record({
    freq: fc.constantFrom('MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY'),
    interval: fc.integer({ min: 1, max: 4 }),
    byhour: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { minLength: 1, maxLength: 3 }), {
      nil: undefined,
    }),
    byminute: fc.option(fc.uniqueArray(fc.constantFrom(0, 15, 30, 45, 59), { minLength: 1, maxLength: 2 }), {
      nil: undefined,
    }),
    byday: fc.option(
      fc.uniqueArray(fc.constantFrom('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'), {
        minLength: 1,
        maxLength: 3,
      }),
      {
        nil: undefined,
      },
    ),
    dtstartDaysBefore: fc.integer({ min: 0, max: 400 }),
    dtstartMinute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  })
  .map((r) => {
    // Minutely rules step at least 7 minutes, so a window holds a bounded number of them.
    const interval = r.freq === 'MINUTELY' ? r.interval * 7 : r.interval;
    const parts = [`FREQ=${r.freq}`, `INTERVAL=${interval}`];
    if (r.byhour) parts.push(`BYHOUR=${r.byhour.join(',')}`);
    if (r.byminute) parts.push(`BYMINUTE=${r.byminute.join(',')}`);
    if (r.byday) parts.push(`BYDAY=${r.byday.join(',')}`);
    // The oracle iterates from DTSTART: sub-daily rules start at most 20 days before the window.
    const sparse = r.freq !== 'MINUTELY' && r.freq !== 'HOURLY';
    const dtstartDaysBefore = sparse ? r.dtstartDaysBefore : r.dtstartDaysBefore % 20;
    return { rule: parts.join(';'), dtstartDaysBefore, dtstartMinute: r.dtstartMinute };
  });

const windowArb = fc
  .record({
    base: fc.oneof(
      fc.constantFrom(...CHANGES),
      fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
    ),
    shift: fc.integer({ min: -3 * 24 * 60, max: 2 * 24 * 60 }),
    minutes: fc.integer({ min: 1, max: 4 * 24 * 60 }),
    max: fc.integer({ min: 1, max: 60 }),
  })
  .map(({ base, shift, minutes, max }) => {
    const start = base + shift * 60_000;
    return { start: new Date(start), end: new Date(start + minutes * 60_000), max };
  });

const floatingStamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15);

/** The wall-clock time (as UTC fields) of an instant in a zone: the well-trodden direction. */
const wallOf = (ms: number, zone: string) => ms + DateTime.fromMillis(ms, { zone }).offset * 60_000;

/**
 * RFC 5545 §3.3.5: a local time that occurs twice means the first; one that does not occur uses the
 * UTC offset before the gap.
 */
function oracleInstant(floating: number, zone: string): number {
  const tz = IANAZone.create(zone);
  const offsets = new Set([-2, -1, 0, 1, 2].map((d) => tz.offset(floating + d * DAY)));
  const real = [...offsets].map((o) => floating - o * 60_000).filter((at) => wallOf(at, zone) === floating);
  if (real.length > 0) return Math.min(...real);
  return floating - tz.offset(floating - DAY) * 60_000;
}

describe('rrule instants (property)', () => {
  it('are increasing, distinct, inside the window and at the wall-clock times the rule says', () => {
    fc.assert(
      fc.property(
        ruleArb,
        fc.constantFrom(...ZONES),
        windowArb,
        ({ rule, dtstartDaysBefore, dtstartMinute }, zone, w) => {
          const dtstart =
            Math.floor(wallOf(w.start.getTime(), zone) / DAY) * DAY -
            dtstartDaysBefore * DAY +
            dtstartMinute * 60_000;
          const text = `DTSTART:${floatingStamp(dtstart)}\nRRULE:${rule}`;
          // Rules that can never occur are refused (tested above); the rest must expand right.
          const parsed = scheduleSchema.safeParse({ rrule: text, timezone: zone });
          fc.pre(parsed.success);
          const got = scheduleInstants(parsed.data!, w.start, w.end, w.max).map((d) => d.getTime());
          for (let i = 0; i < got.length; i++) {
            expect(got[i]!).toBeGreaterThanOrEqual(w.start.getTime());
            expect(got[i]!).toBeLessThan(w.end.getTime());
            if (i > 0) expect(got[i]!).toBeGreaterThan(got[i - 1]!);
          }
          // The oracle: the plain library expands the rule in floating time over a wide range.
          const floating = (rrulestr(text) as InstanceType<typeof RRule>).between(
            new Date(wallOf(w.start.getTime(), zone) - 2 * DAY),
            new Date(wallOf(w.end.getTime(), zone) + 2 * DAY),
            true,
          );
          const expected = [...new Set(floating.map((f) => oracleInstant(f.getTime(), zone)))]
            .filter((at) => at >= w.start.getTime() && at < w.end.getTime())
            .sort((a, b) => a - b)
            .slice(0, w.max);
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
