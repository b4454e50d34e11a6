import { describe, expect, it } from 'vitest';
import { scheduleInstants, scheduleSchema } from '../../src/repositories/schedules.js';
import { type InstantsCase, expectInstants, iso } from '../support/instants.js';

describe('schedule instants (table-driven, across daylight-saving changes)', () => {
  it.each([
    {
      what: 'a daily interval keeps 09:00 New York time across the spring-forward change',
      schedule: { interval: 86_400, anchorDate: '2026-03-06T09:00:00-05:00', timezone: 'America/New_York' },
      start: '2026-03-06T00:00:00Z',
      end: '2026-03-10T00:00:00Z',
      expected: [
        '2026-03-06T14:00:00.000Z',
        '2026-03-07T14:00:00.000Z',
        '2026-03-08T13:00:00.000Z',
        '2026-03-09T13:00:00.000Z',
      ],
    },
    {
      what: 'a daily interval keeps 09:00 Berlin time across the fall-back change',
      schedule: { interval: 86_400, anchorDate: '2026-10-23T09:00:00+02:00', timezone: 'Europe/Berlin' },
      start: '2026-10-24T00:00:00Z',
      end: '2026-10-27T00:00:00Z',
      expected: ['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z'],
    },
    {
      what: 'an hourly interval is exact elapsed time through the fall-back hour',
      schedule: { interval: 3600, anchorDate: '2026-01-01T00:00:00Z', timezone: 'America/New_York' },
      start: '2026-11-01T04:30:00Z',
      end: '2026-11-01T08:00:00Z',
      expected: ['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z'],
    },
    {
      what: 'an interval without timezone counts from its anchor',
      schedule: { interval: 900, anchorDate: '2026-01-01T00:05:00Z' },
      start: '2026-01-01T00:00:00Z',
      end: '2026-01-01T00:40:00Z',
      expected: ['2026-01-01T00:05:00.000Z', '2026-01-01T00:20:00.000Z', '2026-01-01T00:35:00.000Z'],
    },
    {
      what: 'cron at 09:00 Berlin on Mondays follows the change to summer time',
      schedule: { cron: '0 9 * * 1', timezone: 'Europe/Berlin' },
      start: '2026-03-20T00:00:00Z',
      end: '2026-04-07T00:00:00Z',
      expected: ['2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-04-06T07:00:00.000Z'],
    },
    {
      what: 'cron at 02:30 New York: the skipped local time runs at the end of the gap',
      schedule: { cron: '30 2 * * *', timezone: 'America/New_York' },
      start: '2026-03-07T00:00:00Z',
      end: '2026-03-10T00:00:00Z',
      expected: ['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
    },
    {
      what: 'cron at 01:30 New York: the repeated local time runs once',
      schedule: { cron: '30 1 * * *', timezone: 'America/New_York' },
      start: '2026-10-31T00:00:00Z',
      end: '2026-11-03T00:00:00Z',
      expected: ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    },
    {
      what: 'cron with dayOr (default): the 13th or a Friday',
      schedule: { cron: '0 0 13 * 5', timezone: 'UTC' },
      start: '2026-01-01T00:00:00Z',
      end: '2026-01-14T00:00:00Z',
      expected: ['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-13T00:00:00.000Z'],
    },
    {
      what: 'cron with dayOr false: Friday the 13th only',
      schedule: { cron: '0 0 13 * 5', timezone: 'UTC', dayOr: false },
      start: '2026-01-01T00:00:00Z',
      end: '2026-12-31T00:00:00Z',
      expected: ['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z', '2026-11-13T00:00:00.000Z'],
    },
  ] satisfies InstantsCase[])('$what', expectInstants);

  it('includes the start instant, excludes the end, and honours max', () => {
    const schedule = { interval: 60, anchorDate: '2026-01-01T00:00:00Z' };
    expect(
      iso(scheduleInstants(schedule, new Date('2026-01-01T00:01:00Z'), new Date('2026-01-01T00:03:00Z'), 10)),
    ).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
    expect(
      scheduleInstants(schedule, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z'), 5),
    ).toHaveLength(5);
    expect(
      scheduleInstants(
        { cron: '* * * * *' },
        new Date('2026-01-01T00:00:00Z'),
        new Date('2026-01-01T00:00:00Z'),
        5,
      ),
    ).toEqual([]);
  });

  it.each([
    { interval: 0 },
    { interval: -5 },
    { cron: 'every day' },
    { cron: '0 9 * * 1', timezone: 'Mars/Olympus' },
    { cron: '* * * * * *' },
    { rrule: 'FREQ=DAILY;BYHOUR=25' },
    { interval: 60, colour: 'red' },
  ])('refuses %j', (schedule) => {
    expect(scheduleSchema.safeParse(schedule).success).toBe(false);
  });
});
