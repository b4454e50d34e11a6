/**
 * The engine parameter-schema patterns run on (src/repositories/linear-regexp.ts): time linear in
 * the input, the same answers as JavaScript's RegExp on the patterns both can run, and a refusal
 * saying why for the ones only a backtracking engine can (backreferences, lookaround).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsupportedPatternError, compileLinearPattern } from '../../src/repositories/linear-regexp.js';

/** Characters a pattern may hold as itself, outside and inside a class. */
const LITERALS = ['a', 'b', 'A', '0', '_', ' ', ':', 'é', '😀'];
const ESCAPES = [
  ...['\\.', '\\[', '\\]', '\\(', '\\)', '\\*', '\\+', '\\?', '\\{', '\\}', '\\|', '\\^', '\\$', '\\/'],
  ...['\\\\', '\\n', '\\r', '\\t', '\\v', '\\f', '\\x00', '\\x41', '\\cJ', '\\u00e9', '\\u00a0'],
  ...['\\u{1F600}', '\\uD83D\\uDE00', '\\u2028'],
];
const CLASS_ESCAPES = ['\\d', '\\D', '\\w', '\\W', '\\s', '\\S'];
const CLASS_ONLY = [
  '[',
  '\\-',
  '.',
  '$',
  '*',
  '(',
  '|',
  '\\b',
  'a-c',
  'A-Z',
  '0-9',
  '\\u0000-\\u001f',
  'à-ÿ',
];
const ASSERTIONS = ['^', '$', '\\b', '\\B'];
const QUANTIFIERS = ['*', '+', '?', '{2}', '{1,}', '{0,2}'];

const member = fc.constantFrom(...LITERALS, ...ESCAPES, ...CLASS_ESCAPES, ...CLASS_ONLY);
const charClass = fc
  .tuple(fc.boolean(), fc.array(member, { minLength: 1, maxLength: 4 }))
  .map(([negated, members]) => `[${negated ? '^' : ''}${members.join('')}]`);

/** Patterns built from literals, escapes, classes, `.`, groups, quantifiers, anchors, alternation. */
const { pattern } = fc.letrec<{ pattern: string; term: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    fc.constantFrom(...LITERALS, ...ESCAPES, ...CLASS_ESCAPES, '.', '[]', '[^]'),
    charClass,
    fc.tuple(fc.constantFrom('(', '(?:'), tie('pattern')).map(([open, inner]) => `${open}${inner})`),
  ),
  term: fc.oneof(
    { arbitrary: tie('atom'), weight: 3 },
    {
      arbitrary: fc
        .tuple(tie('atom'), fc.constantFrom(...QUANTIFIERS), fc.boolean())
        .map(([atom, q, lazy]) => `${atom}${q}${lazy ? '?' : ''}`),
      weight: 2,
    },
    { arbitrary: fc.constantFrom(...ASSERTIONS), weight: 1 },
  ),
  pattern: fc
    .array(fc.array(tie('term'), { maxLength: 4 }), { minLength: 1, maxLength: 3, depthIdentifier: 'alt' })
    .map((alternatives) => alternatives.map((terms) => terms.join('')).join('|')),
}));

/** Inputs over the characters the patterns name, line terminators and Unicode spaces among them. */
const INPUT_CHARS = [
  ...['a', 'b', 'A', 'Z', '0', '9', '_', ' ', ':', '-', '.', '[', ']', '$', '/', '\\', 'é', 'ÿ', '😀'],
  ...['\n', '\r', '\t', '\v', '\f', '\0', '\b', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u0001'],
];
const over = (chars: string[]) =>
  fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((cs) => cs.join(''));
/** Half over all of them, half over two or three, so that e.g. a string of line terminators only is common. */
const input = fc.oneof(
  over(INPUT_CHARS),
  fc.subarray(INPUT_CHARS, { minLength: 1, maxLength: 3 }).chain(over),
);

describe('the linear-time pattern engine', () => {
  it('answers as JavaScript RegExp does on generated patterns and inputs (property)', () => {
    fc.assert(
      fc.property(pattern, fc.array(input, { minLength: 1, maxLength: 6 }), (p, inputs) => {
        const linear = compileLinearPattern(p);
        const native = new RegExp(p, 'u');
        for (const s of inputs)
          expect(linear.test(s), `/${p}/u on ${JSON.stringify(s)}`).toBe(native.test(s));
      }),
      { numRuns: 1500 },
    );
  });

  it('agrees on the constructs the two engines spell differently', () => {
    const cases: [string, string[]][] = [
      ['^.$', ['\r', '\n', '\u2028', 'x', '😀']],
      ['^\\s$', ['\u00a0', '\u3000', '\ufeff', '\v', ' ']],
      ['^[^\\S]$', ['\u00a0', 'x']],
      ['[[:alpha:][]', ['a', ':', '[']],
      ['^[\\b]$', ['\b', 'b']],
      ['^\\uD83D\\uDE00$', ['😀']],
      ['^(?<word>\\w+)$', ['abc', 'a b']],
      ['^\\0$', ['\0', '0']],
      ['^\\p{Script=Greek}+$', ['αβ', 'ab']],
      ['^\\p{Lu}\\P{L}$', ['A1', 'a1', 'AB']],
    ];
    for (const [p, inputs] of cases)
      for (const s of inputs)
        expect(compileLinearPattern(p).test(s), `/${p}/u on ${JSON.stringify(s)}`).toBe(
          new RegExp(p, 'u').test(s),
        );
  });

  it('runs catastrophic patterns on 10,000-character adversarial inputs (a backtracking engine never ends)', () => {
    const adversarial: [string, string][] = [
      ['(a+)+$', `${'a'.repeat(10_000)}!`],
      ['^(a|aa)+$', `${'a'.repeat(10_000)}!`],
      ['^(\\w+\\s?)*$', `${'word '.repeat(2_000)}!`],
      ['(.*a){20}', 'a'.repeat(10_000)],
    ];
    for (const [p, s] of adversarial) expect(typeof compileLinearPattern(p).test(s)).toBe('boolean');
    expect(compileLinearPattern('(a+)+$').test(`${'a'.repeat(10_000)}!`)).toBe(false);
    expect(compileLinearPattern('(a+)+$').test('a'.repeat(10_000))).toBe(true);
  });

  it('refuses backreferences, lookaround and what RE2 cannot run, saying why', () => {
    const refused: [string, string][] = [
      ['(a)\\1', 'backreferences'],
      ['(?<x>a)\\k<x>', 'backreferences'],
      ['a(?=b)', 'lookahead and lookbehind'],
      ['a(?!b)', 'lookahead and lookbehind'],
      ['(?<=a)b', 'lookahead and lookbehind'],
      ['(?<!a)b', 'lookahead and lookbehind'],
      ['a{1001}', 'RE2 refuses it: invalid repeat count'],
      ['\\p{Letter}', 'RE2 refuses it'],
      ['(', 'is not a valid regular expression'],
      ['\\q', 'is not a valid regular expression'],
    ];
    for (const [p, why] of refused) {
      const error = (() => {
        try {
          compileLinearPattern(p);
        } catch (e) {
          return e;
        }
      })();
      expect(error, p).toBeInstanceOf(UnsupportedPatternError);
      expect((error as UnsupportedPatternError).message).toContain(why);
      expect((error as UnsupportedPatternError).pattern).toBe(p);
    }
    // Escaped or inside a class, the same characters are literals, not a lookahead or a backreference.
    expect(compileLinearPattern('\\(?=').test('(=')).toBe(true);
    expect(compileLinearPattern('[(?=]\\\\1').test('=\\1')).toBe(true);
  });
});
