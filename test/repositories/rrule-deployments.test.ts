/**
 * rrule and cron-shortcut schedules through deployments, on both dialects (issue 11, section 3):
 * the runs they make across a daylight-saving change, and the messages bad schedules get. The pure
 * expansion and its property: rrule-schedules.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('rrule and shortcut schedules through deployments (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'etl' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  it('schedules runs from an rrule across a DST change and from a cron shortcut', async () => {
    const d = await db.deployments.upsert({
      flowId,
      name: 'd',
      schedules: [
        { schedule: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=9', timezone: 'Europe/Berlin' }, slug: 'sundays' },
        { schedule: { cron: '@monthly', timezone: 'Europe/Berlin' }, slug: 'monthly' },
      ],
    });
    const runs = await db.deployments.scheduleRuns(d.id, {
      start: new Date('2026-03-20T00:00:00Z'),
      end: new Date('2026-04-10T00:00:00Z'),
    });
    expect(runs.map((r) => r.expectedStartTime!.toISOString()).sort()).toEqual([
      '2026-03-22T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
      '2026-04-05T07:00:00.000Z',
    ]);
    const stored = await db.deployments.schedules.list(d.id);
    expect(stored.map((s) => s.schedule)).toEqual([
      { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=9', timezone: 'Europe/Berlin' },
      { cron: '@monthly', timezone: 'Europe/Berlin' },
    ]);
  });

  it('refuses a bad schedule with a message that says what is wrong, writing nothing', async () => {
    for (const [schedule, message] of [
      [{ interval: 0 }, 'schedules[0].schedule: interval must be a positive number of seconds'],
      [
        { rrule: 'FREQ=DAILY;BYMINUTE=60' },
        'schedules[0].schedule: rrule BYMINUTE values must be in 0..59 (got 60)',
      ],
      [{ rrule: null }, 'schedules[0].schedule: rrule schedules need an RFC 5545 rule as a string'],
      // Rules that never occur (a fresh user's trial): they would schedule nothing, silently.
      [
        { rrule: 'DTSTART:20260101T000000\nRRULE:FREQ=DAILY;UNTIL=20250101T000000' },
        'rrule never occurs: it ends (COUNT or UNTIL) before its first occurrence',
      ],
      [
        {
          rrule: 'DTSTART:20260101T000000\nRRULE:FREQ=DAILY;COUNT=2\nEXDATE:20260101T000000,20260102T000000',
        },
        'rrule never occurs: its EXDATEs and EXRULEs remove every occurrence',
      ],
      [
        { rrule: 'DTSTART:20210101T000000\nRRULE:FREQ=YEARLY;INTERVAL=400;BYMONTH=2;BYMONTHDAY=29' },
        'rrule never occurs: its INTERVAL never lands on a day its BY rules match',
      ],
    ] as const) {
      const error = await db.deployments
        .upsert({ flowId, name: 'bad', schedules: [{ schedule: schedule as never }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(message);
    }
    expect(await db.deployments.count()).toBe(0);
    const d = await db.deployments.upsert({ flowId, name: 'ok' });
    await expect(
      db.deployments.schedules.create(d.id, [{ schedule: { cron: '@fortnightly' } }]),
    ).rejects.toThrow(/cron shortcut must be one of/);
    expect(await db.deployments.schedules.list(d.id)).toEqual([]);
  });

  it('refuses a TZID that is not the schedule timezone, and honours one that is', async () => {
    // Prefect replaces a TZID by the timezone keeping the wall-clock time: 09:00 New York would
    // silently run at 09:00 Berlin. Refused, naming both zones.
    const rrule = 'DTSTART;TZID=America/New_York:20260302T090000\nRRULE:FREQ=DAILY;COUNT=2';
    for (const timezone of ['Europe/Berlin', undefined]) {
      const error = await db.deployments
        .upsert({ flowId, name: 'tz', schedules: [{ schedule: { rrule, timezone } }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(
        `schedules[0].schedule: rrule has TZID=America/New_York but the schedule's timezone is ${timezone ?? 'UTC'}`,
      );
    }
    expect(await db.deployments.count()).toBe(0);
    const d = await db.deployments.upsert({
      flowId,
      name: 'tz',
      schedules: [{ schedule: { rrule, timezone: 'America/New_York' } }],
    });
    const runs = await db.deployments.scheduleRuns(d.id, {
      start: '2026-03-01T00:00:00Z',
      end: '2026-03-10T00:00:00Z',
    });
    expect(runs.map((r) => r.expectedStartTime!.toISOString())).toEqual([
      '2026-03-02T14:00:00.000Z',
      '2026-03-03T14:00:00.000Z',
    ]);
  });

  it('takes an anchorDate as a Date', async () => {
    const d = await db.deployments.upsert({
      flowId,
      name: 'd',
      schedules: [{ schedule: { interval: 3600, anchorDate: new Date('2026-01-01T00:20:00Z') } }],
    });
    const runs = await db.deployments.scheduleRuns(d.id, {
      start: new Date('2026-01-01T00:00:00Z'),
      end: new Date('2026-01-01T02:00:00Z'),
    });
    expect(runs.map((r) => r.expectedStartTime!.toISOString())).toEqual([
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T01:20:00.000Z',
    ]);
  });
});
