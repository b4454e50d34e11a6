/**
 * Cron in UTC (and the zone names linked to it) is counted without a zone (src/repositories/schedules/
 * cron.ts: no offset ever changes, so there is no fall-back to look for, and the 2 s a 10,000-run
 * per-minute schedule spent in zone lookups are gone). The instants must be the ones the zone path
 * gives for a zone at offset 0 without daylight saving since 1912 (Africa/Abidjan), for every field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cronInstants } from '../../src/repositories/schedules/cron.js';

const field = (values: string[]) => fc.constantFrom('*', ...values);
const pattern = fc
  .tuple(
    field(['0', '*/5', '7,45', '10-20']),
    field(['0', '*/3', '1-4', '23']),
    field(['1', '15', '28-31', 'L', '*/10']),
    field(['1', '2', '*/4', '6-8']),
    field(['0', '1-5', '6,0', 'MON', '5#2']),
  )
  .map((fields) => fields.join(' '));

describe('cron in UTC', () => {
  it('gives the instants a zone at offset 0 gives, whatever the fields, dayOr and window (generated)', () => {
    fc.assert(
      fc.property(
        pattern,
        fc.boolean(),
        fc.constantFrom('UTC', 'Etc/UTC', 'GMT', 'Zulu', undefined),
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2060-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 1, max: 400 * 86_400_000 }),
        (cron, dayOr, timezone, start, span) => {
          const end = new Date(start.getTime() + span);
          const utc = cronInstants({ cron, timezone, dayOr }, start, end, 300);
          const zoned = cronInstants({ cron, timezone: 'Africa/Abidjan', dayOr }, start, end, 300);
          expect(utc.map((d) => d.toISOString())).toEqual(zoned.map((d) => d.toISOString()));
        },
      ),
      { numRuns: 150 },
    );
  });
});
