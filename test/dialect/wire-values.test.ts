/** The library's own reading of timestamptz text, whatever the session's time zone (semantics.md §2 "Times"). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/index.js';
import { timestamptzToIso } from '../../src/dialect/postgres/wire-values.js';

describe('timestamptzToIso', () => {
  it.each([
    ['2024-01-02 03:04:05.678+00', '2024-01-02T03:04:05.678Z'],
    ['2024-01-01 22:04:05.6-05', '2024-01-02T03:04:05.600Z'],
    ['2024-01-02 08:34:05+05:30', '2024-01-02T03:04:05.000Z'],
    ['1799-12-31 19:03:58-04:56:02', '1800-01-01T00:00:00.000Z'],
    ['0100-01-01 00:00:00+00', '0100-01-01T00:00:00.000Z'],
    ['0044-03-15 12:00:00+00 BC', '-000043-03-15T12:00:00.000Z'],
    ['9999-12-31 23:59:59.999999+00', '9999-12-31T23:59:59.999Z'],
    ['10000-01-01 00:00:00+00', '+010000-01-01T00:00:00.000Z'],
    ['infinity', 'infinity'],
    ['-infinity', '-infinity'],
  ])('%s is %s', (text, iso) => {
    expect(timestamptzToIso(text)).toBe(iso);
  });

  it('refuses text in another DateStyle, naming the setting', () => {
    expect(() => timestamptzToIso('01/02/2024 03:04:05.678 UTC')).toThrow(DatabaseError);
    expect(() => timestamptzToIso('Tue Jan 02 03:04:05.678 2024 UTC')).toThrow(/DateStyle must be ISO/);
  });

  it('reads every millisecond in any offset as the instant it names', () => {
    const instant = fc.date({
      min: new Date('0100-01-01T00:00:00Z'),
      max: new Date('9999-12-30T23:59:59.999Z'),
      noInvalidDate: true,
    });
    const offset = fc.integer({ min: -15 * 3600, max: 15 * 3600 });
    fc.assert(
      fc.property(instant, offset, (at, seconds) => {
        // What PostgreSQL prints for `at` in a zone `seconds` east of UTC.
        const local = new Date(at.getTime() + seconds * 1000).toISOString();
        const abs = Math.abs(seconds);
        const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
        const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
        const ss = String(abs % 60).padStart(2, '0');
        const text = `${local.slice(0, 10)} ${local.slice(11, 23)}${seconds < 0 ? '-' : '+'}${hh}:${mm}:${ss}`;
        expect(timestamptzToIso(text)).toBe(at.toISOString());
      }),
      { numRuns: 500 },
    );
  });

  it('reads UTC text (the fast path) as the instant it names, with 0 to 6 fraction digits', () => {
    const instant = fc.date({
      min: new Date('0100-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 999 }),
        (at, digits, extra) => {
          // PostgreSQL drops trailing zeros of the fraction, and prints none for whole seconds.
          const iso = at.toISOString();
          const micros = `${iso.slice(20, 23)}${String(extra).padStart(3, '0')}`.slice(0, digits);
          const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${digits > 0 ? `.${micros}` : ''}+00`;
          const expected = digits >= 3 ? iso : `${iso.slice(0, 20)}${micros.padEnd(3, '0')}Z`;
          expect(timestamptzToIso(text)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
