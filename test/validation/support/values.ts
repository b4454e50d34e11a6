/**
 * Times and JSON documents for the boundary properties: every accepted form (with the instant it
 * means, computed here independently of src/), and values validation must refuse.
 */
import fc from 'fast-check';
import { prng, textOfChars } from './text.js';

export const MIN_MS = Date.parse('0100-01-01T00:00:00.000Z');
export const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `ms` written as wall-clock time at `offsetMinutes` east of UTC, with `fraction` digits (0: no seconds). */
export function isoAt(
  ms: number,
  offsetMinutes: number,
  form: 'minutes' | 'seconds' | 'millis' | 'micros',
): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  let s = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}`;
  if (form !== 'minutes') s += `:${pad(local.getUTCSeconds(), 2)}`;
  if (form === 'millis') s += `.${pad(local.getUTCMilliseconds(), 3)}`;
  if (form === 'micros') s += `.${pad(local.getUTCMilliseconds(), 3)}789`;
  if (offsetMinutes === 0) return `${s}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${s}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** An accepted time input and the instant (ms) it stands for. */
export interface TimeCase {
  input: Date | string;
  ms: number;
}

const instant = fc.oneof(
  fc.constantFrom(
    MIN_MS,
    MAX_MS,
    Date.parse('1970-01-01T00:00:00.000Z'),
    Date.parse('2000-02-29T12:00:00.000Z'),
  ),
  fc.integer({ min: MIN_MS, max: MAX_MS }),
);

/**
 * Every accepted form: a Date, or a string with Z (z) or ±hh:mm, with minutes, seconds, ms or µs,
 * the date and time split by T, t or a space (RFC 3339; Python's `str(datetime)`).
 */
export const validTime: fc.Arbitrary<TimeCase> = fc
  .tuple(
    instant,
    fc.constantFrom<'date' | 'minutes' | 'seconds' | 'millis' | 'micros'>(
      'date',
      'minutes',
      'seconds',
      'millis',
      'micros',
    ),
    fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
    fc.boolean(),
    fc.constantFrom('T', 't', ' '),
    fc.boolean(),
  )
  .map(([ms, form, offset, utc, separator, lowerZ]) => {
    if (form === 'date') return { input: new Date(ms), ms };
    // Coarser forms drop digits: the instant is the one the string names.
    const step = form === 'minutes' ? 60_000 : form === 'seconds' ? 1000 : 1;
    let at = Math.floor(ms / step) * step;
    let off = utc ? 0 : offset;
    // Keep the written wall-clock time within 4-digit years.
    const local = at + off * 60_000;
    if (local < MIN_MS || local > MAX_MS) off = 0;
    if (at < MIN_MS) at += step;
    const written = isoAt(at, off, form).replace('T', separator);
    return { input: lowerZ ? written.replace(/Z$/, 'z') : written, ms: at };
  });

/** Time inputs validation refuses: no offset, out of range (as strings and Dates), malformed. */
export const invalidTime: fc.Arbitrary<unknown> = fc.oneof(
  validTime.map((t) =>
    typeof t.input === 'string' ? t.input.replace(/([Zz]|[+-]\d{2}:\d{2})$/, '') : '2026-12-01T02:00:00',
  ),
  fc.constantFrom(
    '0099-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59.999-00:01',
    '0100-01-01T00:00:00.000+00:01',
    '+010000-01-01T00:00:00.000Z',
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-01  02:00:00Z',
    '2026-12-01_02:00:00Z',
    '2026-12-01 02:00:00+0000',
    '2026-12-01T02:00:00 Z',
    '2026-12-01',
    '',
    new Date(Number.NaN),
    new Date(MIN_MS - 1),
    new Date(MAX_MS + 1),
    12345,
  ),
);

/** Plain JSON-ish values with what JSON.stringify converts: Date, NaN, ±Infinity, -0, undefined. */
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e308, 5e-324, 2 ** 53 + 2),
  fc
    .tuple(fc.noBias(fc.integer()), fc.integer({ min: 0, max: 30 }))
    .map(([seed, n]) => textOfChars(prng(seed), n, 'mixed')),
  fc.constantFrom('', 'é', 'ह', '😀', '%_\\', '"quoted"', '{"a":1}'),
  fc.integer({ min: MIN_MS, max: MAX_MS }).map((ms) => new Date(ms)),
  fc.constant(undefined),
);

const key = fc.oneof(
  fc
    .tuple(fc.noBias(fc.integer()), fc.integer({ min: 0, max: 12 }))
    .map(([seed, n]) => textOfChars(prng(seed), n, 'mixed')),
  fc.constantFrom('a', 'b', 'z', '10', '2', '__proto__', 'constructor', 'toJSON', ''),
);

const tree = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Wraps `inner` in `levels` objects/arrays: the document itself is level 1. */
export function nest(inner: unknown, levels: number, keys = ['k']): unknown {
  let v = inner;
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? { [keys[i % keys.length]!]: v } : [v];
  return v;
}

/** A JSON object document, sometimes nested to exactly the 64-level limit. */
export const jsonObjectDoc: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.dictionary(key, tree, { maxKeys: 8 }),
  // 63 levels under the document (an object) itself: exactly 64.
  tree.map((v) => ({ deep: nest(typeof v === 'object' && v !== null ? 1 : v, 63) })),
);

/** Any JSON document (state data, pull steps): a leaf or a tree. */
export const jsonDoc: fc.Arbitrary<unknown> = fc.oneof(
  tree.filter((v) => v !== undefined),
  jsonObjectDoc,
);

class Point {
  constructor(readonly x = 1) {}
}

/** A value that JSON cannot represent faithfully, and the words the error must use. */
export const unrepresentable: fc.Arbitrary<{ value: () => unknown; says: RegExp }> = fc.constantFrom(
  { value: () => new Map([['a', 1]]), says: /a Map is not JSON/ },
  { value: () => new Set([1]), says: /a Set is not JSON/ },
  { value: () => 10n, says: /a BigInt is not JSON/ },
  { value: () => () => 1, says: /a function is not JSON/ },
  { value: () => Symbol('s'), says: /a symbol is not JSON/ },
  { value: () => new Point(), says: /a Point instance is not JSON/ },
  { value: () => new Uint8Array(2), says: /a Uint8Array instance is not JSON/ },
  { value: () => new String('boxed'), says: /a String instance is not JSON/ },
  { value: () => '\0', says: /NUL/ },
  { value: () => 'a\uD83D', says: /lone UTF-16 surrogate/ },
  { value: () => ({ 'k\uDE00': 1 }), says: /key must not contain a lone UTF-16 surrogate/ },
  { value: () => ({ '\0': 1 }), says: /key must not contain NUL/ },
  { value: () => nest(1, 64), says: /nested deeper than 64 levels/ },
  {
    value: () => {
      const cycle: Record<string, unknown> = { a: 1 };
      cycle.again = [cycle];
      return cycle;
    },
    says: /cycle/,
  },
);

/** Puts `bad` somewhere inside `doc` (a fresh copy); returns the document and the path it sits at. */
export function plant(
  doc: Record<string, unknown>,
  bad: unknown,
  where: number,
): { doc: Record<string, unknown>; path: string } {
  const depth = where % 3;
  if (depth === 0) return { doc: { ...doc, bad }, path: 'bad' };
  if (depth === 1) return { doc: { ...doc, list: [1, bad] }, path: 'list[1]' };
  return { doc: { ...doc, x: { y: [0, { z: bad }] } }, path: 'x.y[1].z' };
}

/** Anchor inputs validation refuses: invalid times, except wall-clock ones (valid for an anchor). */
export const invalidAnchor: fc.Arbitrary<unknown> = invalidTime.filter(
  (v) => !(typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)),
);
