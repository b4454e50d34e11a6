/**
 * rrule schedules that can never occur are refused (docs/work.md): besides the BY-rule checks, a
 * rule that ends (COUNT, UNTIL) before its first occurrence, a set whose EXDATEs and EXRULEs remove
 * every occurrence, and a yearly or monthly INTERVAL that never lands on a matching day. Generated
 * cases against what the rrule library itself lists; the same refusals through deployments on both
 * dialects are in rrule-deployments.test.ts.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleSchema } from '../../src/repositories/schedules.js';

const { rrulestr } = createRequire(import.meta.url)('rrule') as typeof import('rrule');

/** An RFC 5545 floating date-time (`20260105T093000`). */
const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').slice(0, 15);

const dtstart = fc
  .date({ min: new Date('2021-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => new Date(Math.floor(d.getTime() / 60_000) * 60_000));
const freq = fc.constantFrom('MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY');

const problem = (rrule: string) => {
  const result = scheduleSchema.safeParse({ rrule });
  return result.success ? undefined : result.error.issues.map((i) => i.message).join('; ');
};

describe('rrules that never occur', () => {
  it('COUNT occurrences all removed by EXDATE is refused; one left is accepted', () => {
    fc.assert(
      fc.property(dtstart, freq, fc.integer({ min: 1, max: 6 }), fc.nat(), (start, f, count, keep) => {
        const head = `DTSTART:${stamp(start)}\nRRULE:FREQ=${f};COUNT=${count}`;
        const all = rrulestr(head).all();
        expect(all).toHaveLength(count);
        const exdates = all.map(stamp);
        expect(problem(`${head}\nEXDATE:${exdates.join(',')}`)).toContain('rrule never occurs');
        const left = exdates.filter((_, i) => i !== keep % count);
        const rule = left.length ? `${head}\nEXDATE:${left.join(',')}` : head;
        expect(problem(rule)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('an UNTIL before DTSTART is refused; an UNTIL at DTSTART is accepted', () => {
    fc.assert(
      fc.property(dtstart, freq, fc.integer({ min: 1, max: 10_000_000 }), (start, f, seconds) => {
        const before = new Date(start.getTime() - seconds * 1000);
        expect(problem(`DTSTART:${stamp(start)}\nRRULE:FREQ=${f};UNTIL=${stamp(before)}`)).toContain(
          'ends (COUNT or UNTIL) before its first occurrence',
        );
        expect(problem(`DTSTART:${stamp(start)}\nRRULE:FREQ=${f};UNTIL=${stamp(start)}`)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('a yearly INTERVAL that never reaches a leap year is refused for February 29; one that does is accepted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2001, max: 2399 }),
        fc.constantFrom(4, 100, 400, 800),
        (year, interval) => {
          const rule = `DTSTART:${year}0101T000000\nRRULE:FREQ=YEARLY;INTERVAL=${interval};BYMONTH=2;BYMONTHDAY=29`;
          const occurs = rrulestr(rule).after(new Date(Date.UTC(year, 0, 1)), true) !== null;
          if (occurs) expect(problem(rule)).toBeUndefined();
          else expect(problem(rule)).toContain('its INTERVAL never lands on a day its BY rules match');
        },
      ),
      { numRuns: 100 },
    );
  });
});
