/**
 * Interval schedules before their anchor (a trial found a future anchor gave no run before it):
 * the instants are anchor + k·interval for every whole k, negative too, as Prefect's
 * IntervalSchedule steps back from its anchor (docs/work.md, "Schedules").
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { scheduleInstants, scheduleSchema } from '../../src/repositories/schedules.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = Date.parse('2030-01-01T00:00:00Z');

/** anchor + k·interval for every whole k in [start, end), at most `max`, computed directly. */
function expected(anchor: number, stepMs: number, start: number, end: number, max: number): string[] {
  const out: string[] = [];
  for (let k = Math.ceil((start - anchor) / stepMs); out.length < max; k++) {
    const at = anchor + k * stepMs;
    if (at >= end) break;
    out.push(new Date(at).toISOString());
  }
  return out;
}

const instants = (schedule: object, start: number, end: number, max: number) =>
  scheduleInstants(scheduleSchema.parse(schedule), new Date(start), new Date(end), max).map((d) =>
    d.toISOString(),
  );

describe('interval instants around the anchor (property)', () => {
  it('are exactly anchor + k·interval within the window, before the anchor as after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 365 * DAY }),
        fc.integer({ min: 1, max: 30 * 86_400 }),
        fc.integer({ min: -400 * DAY, max: 10 * DAY }),
        fc.integer({ min: 1, max: 40 * DAY }),
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom(undefined, 'UTC'),
        (anchorOffset, interval, startOffset, length, max, timezone) => {
          const anchor = BASE + anchorOffset;
          const start = anchor + startOffset;
          const schedule = { interval, anchorDate: new Date(anchor).toISOString(), timezone };
          expect(instants(schedule, start, start + length, max)).toEqual(
            expected(anchor, interval * 1000, start, start + length, max),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('whole-day intervals keep the anchor wall-clock time across DST before the anchor too', () => {
    const zone = 'America/New_York';
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 365 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 120 }),
        (anchorDay, days, before) => {
          // Noon exists on every day in every zone: no gap or repeat decides the instant.
          const anchor = DateTime.fromObject({ year: 2030, month: 1, day: 1, hour: 12 }, { zone }).plus({
            days: anchorDay,
          });
          const start = anchor.minus({ days: before });
          const got = instants(
            { interval: days * 86_400, anchorDate: anchor.toISO(), timezone: zone },
            start.toMillis(),
            anchor.toMillis() + 1,
            1000,
          );
          const want: string[] = [];
          for (let k = -Math.floor(before / days); k <= 0; k++)
            want.push(
              anchor
                .plus({ days: k * days })
                .toUTC()
                .toISO()!,
            );
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe.each(DIALECTS)('interval schedules before a future anchor (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  it('scheduleRuns in a window before the anchor creates anchor + k·interval for negative k', async () => {
    const anchor = '2030-06-01T00:30:00.000Z';
    const d = await db.deployments.upsert({
      flowId,
      name: 'future-anchor',
      schedules: [{ schedule: { interval: 3600, anchorDate: anchor } }],
    });
    const start = Date.parse(anchor) - 5 * HOUR - 10 * 60_000;
    const runs = await db.deployments.scheduleRuns(d.id, {
      start: new Date(start),
      end: new Date(Date.parse(anchor) + 1),
    });
    expect(runs.map((r) => r.expectedStartTime!.toISOString())).toEqual(
      expected(Date.parse(anchor), HOUR, start, Date.parse(anchor) + 1, 100),
    );
    expect(runs).toHaveLength(6);
  });
});
