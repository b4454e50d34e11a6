/** The building blocks on their own (no database): JSON conversion, times, strings, paths. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  charCount,
  formatPath,
  parseTime,
  stringProblem,
  toJson,
} from '../../src/repositories/validation.js';
import { RUNS } from './support/harness.js';
import { invalidTime, jsonDoc, nest, unrepresentable, validTime } from './support/values.js';

/** Lists of the values whose JSON text is shortest for what they are (undefined becomes null). */
const tightValues = fc.array(
  fc.constantFrom(undefined, null, 0, -0, Number.NaN, true, '', [], {}, [undefined], new Date(0)),
  { maxLength: 30 },
);

describe('toJson is JSON.parse(JSON.stringify(value)), or refuses with a path', () => {
  it('equals the round trip through JSON text, key order included', () => {
    fc.assert(
      fc.property(jsonDoc, (value) => {
        const result = toJson(value);
        if (!('value' in result)) throw new Error(`refused ${result.problem} at ${formatPath(result.path)}`);
        const expected = JSON.parse(JSON.stringify(value));
        expect(result.value).toEqual(expected);
        expect(JSON.stringify(result.value)).toBe(JSON.stringify(expected));
        expect(Object.is(result.value, -0)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts a document exactly when its JSON text fits the byte cap', () => {
    // The walk sums an upper bound and measures exactly only past the cap: any shape (escapes,
    // multi-byte text, Dates, undefined members and elements, -0, NaN) at caps around its size.
    fc.assert(
      fc.property(fc.oneof(jsonDoc, tightValues), fc.integer({ min: -12, max: 12 }), (value, delta) => {
        const exact = Buffer.byteLength(JSON.stringify(value), 'utf8');
        const cap = Math.max(0, exact + delta);
        const result = toJson(value, cap);
        if (exact <= cap) {
          expect(result).toEqual({ value: JSON.parse(JSON.stringify(value)) });
        } else {
          expect(result).toEqual({
            path: [],
            problem: `at most ${cap.toLocaleString('en-US')} bytes of JSON text (got ${exact.toLocaleString('en-US')}): keep large values outside the database and store a reference to them`,
          });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps a "__proto__" key as a member, as JSON.parse does', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const result = toJson(input) as { value: Record<string, unknown> };
    expect(Object.keys(result.value)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses what JSON cannot represent, naming where it is', () => {
    fc.assert(
      fc.property(unrepresentable, fc.constantFrom(0, 1, 2), (bad, where) => {
        const doc =
          where === 0 ? { bad: bad.value() } : where === 1 ? { l: [1, bad.value()] } : [{ x: bad.value() }];
        const result = toJson(doc);
        if (!('problem' in result)) throw new Error('accepted');
        expect(`${formatPath(result.path)}: ${result.problem}`).toMatch(bad.says);
        expect(formatPath(result.path)).toMatch(where === 0 ? /^bad/ : where === 1 ? /^l\[1\]/ : /^\[0\]\.x/);
      }),
    );
  });

  it('nests exactly 64 levels, not 65; a value shared twice is not a cycle', () => {
    expect('value' in toJson(nest(1, MAX_JSON_DEPTH))).toBe(true);
    expect(toJson(nest(1, MAX_JSON_DEPTH + 1))).toMatchObject({ problem: 'is nested deeper than 64 levels' });
    const shared = { s: 1 };
    expect(toJson({ a: shared, b: [shared] })).toEqual({ value: { a: { s: 1 }, b: [{ s: 1 }] } });
  });

  it('does not honour toJSON other than Date’s', () => {
    expect(toJson({ a: { toJSON: () => 'x' } })).toMatchObject({
      path: ['a', 'toJSON'],
      problem: 'a function is not JSON',
    });
    expect(toJson({ d: new Date(Number.NaN), u: undefined, l: [undefined] })).toEqual({
      value: { d: null, l: [null] },
    });
  });
});

describe('times', () => {
  it('every accepted form means the instant it names', () => {
    fc.assert(
      fc.property(validTime, (t) => {
        const parsed = parseTime(t.input);
        if (!('date' in parsed)) throw new Error(`${String(t.input)}: ${parsed.problem}`);
        expect(parsed.date.getTime()).toBe(t.ms);
      }),
      { numRuns: RUNS },
    );
  });

  it('a date, time or offset that does not exist is named as such, not as a bad format', () => {
    const cases: [string, string][] = [
      ['2026-02-30T00:00:00Z', 'names a day that does not exist (2026-02-30: February 2026 has 28 days)'],
      ['2028-02-30 00:00:00Z', 'February 2028 has 29 days'],
      ['2026-04-31T00:00:00Z', 'April 2026 has 30 days'],
      ['2026-13-01T00:00:00Z', 'names month 13, which does not exist'],
      ['2026-01-01T24:00:00Z', 'names a time of day that does not exist (24:00:00;'],
      ['2026-01-01T12:60Z', 'names a time of day that does not exist (12:60;'],
      ['2026-01-01T12:00:00+24:00', 'names an offset that does not exist (+24:00;'],
    ];
    for (const [input, message] of cases) {
      const parsed = parseTime(input);
      expect(parsed, input).toHaveProperty('problem');
      expect((parsed as { problem: string }).problem, input).toContain(message);
    }
    expect(parseTime('tomorrow')).toEqual({
      problem: expect.stringContaining('must be an ISO-8601 date-time with an offset'),
    });
  });

  it('refuses times without an offset, out of range or malformed', () => {
    fc.assert(
      fc.property(invalidTime, (value) => {
        expect(parseTime(value)).toHaveProperty('problem');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('strings', () => {
  it('refuses NUL and lone surrogates, accepts pairs', () => {
    expect(stringProblem('a\0b')).toBe('must not contain NUL characters (found one at index 1)');
    expect(stringProblem('\uD83D')).toBe('must not contain a lone UTF-16 surrogate (U+D83D at index 0)');
    expect(stringProblem('x\uDE00')).toBe('must not contain a lone UTF-16 surrogate (U+DE00 at index 1)');
    expect(stringProblem('\uDE00\uD83D')).toMatch(/U\+DE00 at index 0/);
    expect(stringProblem('😀é ह')).toBeUndefined();
    expect(charCount('😀é ह')).toBe(4);
  });

  it('formats paths as the messages show them', () => {
    expect(formatPath(['parameters', 'a', 'b', 2])).toBe('parameters.a.b[2]');
    expect(formatPath([0, 'schedule'])).toBe('[0].schedule');
    expect(formatPath([])).toBe('(input)');
  });
});
