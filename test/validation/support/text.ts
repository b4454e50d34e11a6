/**
 * Strings at (and just past) the limits of docs/repositories.md "Input limits", built from random
 * code points so that PostgreSQL cannot compress them under its index-row limit: a string that
 * compresses would hide a cap that is too high.
 */
import fc from 'fast-check';

export type Width = 1 | 2 | 3 | 4;
export const WIDTHS: Width[] = [1, 2, 3, 4];
/** The character cap of every name. */
export const NAME_CHARS = 1024;

/** A small seeded PRNG (mulberry32), so that one fast-check integer stands for a whole string. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANGES: Record<Width, [number, number][]> = {
  1: [[0x20, 0x7e]],
  2: [[0xa0, 0x7ff]],
  // 3 bytes: the BMP above U+07FF without the surrogate block.
  3: [
    [0x800, 0xd7ff],
    [0xe000, 0xfffd],
  ],
  4: [[0x10000, 0x10ffff]],
};

/** One random character whose UTF-8 form has `width` bytes. */
export function randomChar(rand: () => number, width: Width): string {
  const ranges = RANGES[width];
  const [lo, hi] = ranges[Math.floor(rand() * ranges.length)]!;
  return String.fromCodePoint(lo + Math.floor(rand() * (hi - lo + 1)));
}

/**
 * A string of exactly `bytes` UTF-8 bytes in at most `chars` characters, mostly of `width` bytes
 * (`'mixed'`: random widths). Throws when impossible (bytes > 4 × chars).
 */
export function textOfBytes(
  rand: () => number,
  bytes: number,
  chars: number,
  width: Width | 'mixed',
): string {
  if (bytes > 4 * chars) throw new Error(`${bytes} bytes do not fit in ${chars} characters`);
  let out = '';
  let leftBytes = bytes;
  let leftChars = chars;
  while (leftBytes > 0) {
    const wanted = width === 'mixed' ? WIDTHS[Math.floor(rand() * 4)]! : width;
    // The widest choice must still leave a reachable remainder; the narrowest must not overshoot.
    const feasible = WIDTHS.filter((w) => w <= leftBytes && leftBytes - w <= 4 * (leftChars - 1));
    const w = feasible.includes(wanted)
      ? wanted
      : feasible.reduce((best, f) => (Math.abs(f - wanted) < Math.abs(best - wanted) ? f : best));
    out += randomChar(rand, w);
    leftBytes -= w;
    leftChars -= 1;
  }
  return out;
}

/** `count` random characters of `width` bytes each. */
export function textOfChars(rand: () => number, count: number, width: Width | 'mixed'): string {
  let out = '';
  for (let i = 0; i < count; i++)
    out += randomChar(rand, width === 'mixed' ? WIDTHS[Math.floor(rand() * 4)]! : width);
  return out;
}

const widthArb = fc.constantFrom<Width | 'mixed'>(1, 2, 3, 4, 'mixed');

/**
 * The longest valid value of a name field: `NAME_CHARS` characters, or exactly `byteCap` bytes when
 * the characters of the chosen width would exceed it.
 */
export function longestName(byteCap?: number, charCap = NAME_CHARS): fc.Arbitrary<string> {
  return fc.tuple(fc.noBias(fc.integer()), widthArb).map(([seed, width]) => {
    const rand = prng(seed);
    const perChar = width === 'mixed' ? 4 : width;
    if (byteCap === undefined || charCap * perChar <= byteCap) {
      const s = textOfChars(rand, charCap, width);
      if (byteCap === undefined || Buffer.byteLength(s) <= byteCap) return s;
    }
    return textOfBytes(rand, byteCap!, charCap, width);
  });
}

/** A name one step over its limit: one byte over the byte cap, or one character over `charCap` (1,024). */
export function overlongName(byteCap?: number, charCap = NAME_CHARS): fc.Arbitrary<string> {
  return fc
    .tuple(fc.noBias(fc.integer()), fc.constantFrom<Width>(2, 3, 4), fc.boolean())
    .map(([seed, width, byBytes]) => {
      const rand = prng(seed);
      if (byteCap !== undefined && byBytes) return textOfBytes(rand, byteCap + 1, charCap, width);
      return textOfChars(rand, charCap + 1, 1);
    });
}

/**
 * A short, valid, random name (for fields a case does not push to the limit). Never white space
 * only, which entity names refuse: a blank draw (a lone space, U+00A0, U+3000...) gets an `x` first.
 */
export const shortName = fc
  .tuple(fc.noBias(fc.integer()), widthArb, fc.integer({ min: 1, max: 40 }))
  .map(([seed, width, n]) => textOfChars(prng(seed), n, width))
  .map((s) => (s.trim() === '' ? `x${[...s].slice(1).join('')}` : s));

/** Names made only of white space, which every entity name refuses (1 to 8 characters). */
export const blankName = fc
  .array(
    fc.constantFrom(
      ...[' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\ufeff'],
      // Invisible: zero-width space and joiners, word joiner, bidi mark, soft hyphen, a control
      // character, the Hangul filler and the braille blank (trials 5 and 6).
      ...['\u200b', '\u200c', '\u200d', '\u2060', '\u200e', '\u00ad', '\u0007', '\u3164', '\u2800'],
      // Default-ignorable: variation selectors, the Khmer inherent vowels, a tag character.
      ...['\ufe0f', '\ufe00', '\u17b4', '\u17b5', '\u034f', '\u{e0020}'],
    ),
    {
      minLength: 1,
      maxLength: 8,
    },
  )
  .map((chars) => chars.join(''));

/** Inserts a NUL or a lone surrogate at a random place of `base`. */
export function brokenString(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(base, fc.constantFrom('\0', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'), fc.nat())
    .map(([s, bad, at]) => {
      const chars = [...s];
      chars.splice(at % (chars.length + 1), 0, bad);
      return chars.join('');
    });
}
