/**
 * The regular-expression engine Ajv runs a parameter schema's `pattern` and `patternProperties`
 * with: RE2 (the `re2js` port, pure JavaScript), which runs in time linear in the input. JavaScript's
 * own RegExp backtracks, so a pattern such as `(a+)+$` against 28 `a`s and a `!` froze the process
 * for 52 s (a fresh user's trial). JSON Schema patterns are ECMA-262 syntax; this module checks that
 * syntax with RegExp (parsing is cheap, only matching backtracks), spells the pattern in RE2's
 * syntax with the library's `translateRegExp` after rewriting the few constructs whose meaning
 * differs between the two engines, and refuses what RE2 cannot run (backreferences, lookaround).
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';

/** A pattern this engine will not run, and why (a sentence a caller can act on). */
export class UnsupportedPatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`pattern ${JSON.stringify(pattern)} ${reason}`);
    this.name = 'UnsupportedPatternError';
  }
}

const LINEAR_ONLY = 'cannot be checked in time linear in the input';

/** `\x{..}` code-point ranges, for RE2. */
function rangesText(ranges: [number, number][]): string {
  const hex = (n: number) => `\\x{${n.toString(16)}}`;
  return ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('');
}

/**
 * What JavaScript's `\s` matches (WhiteSpace and LineTerminator), asked of the running engine once,
 * so the rewrite follows its Unicode version; RE2's `\s` is only `[\t\n\f\r ]`. All are in the BMP.
 */
let spaceClasses: { inside: string; negatedInside: string } | undefined;
function spaces() {
  if (spaceClasses) return spaceClasses;
  let bmp = '';
  for (let c = 0; c < 0x10000; c += 0x1000)
    bmp += String.fromCharCode(...Array.from({ length: 0x1000 }, (_, k) => c + k));
  const ranges: [number, number][] = [];
  // Without `u`, one index per UTF-16 unit, so surrogates never pair up; `\s` is the same set.
  for (const match of bmp.matchAll(/\s/g)) {
    const c = match.index;
    const last = ranges.at(-1);
    if (last && last[1] === c - 1) last[1] = c;
    else ranges.push([c, c]);
  }
  const gaps: [number, number][] = [];
  let from = 0;
  for (const [a, b] of ranges) {
    if (a > from) gaps.push([from, a - 1]);
    from = b + 1;
  }
  gaps.push([from, 0x10ffff]);
  spaceClasses = { inside: rangesText(ranges), negatedInside: rangesText(gaps) };
  return spaceClasses;
}

/** JavaScript's `.` without the `s` flag: anything but a line terminator; RE2's excludes only `\n`. */
const DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
/** `\p{Script=Greek}` is RE2's `\p{Greek}` (RE2 knows scripts by their long names only). */
const SCRIPT_PROPERTY = /\\[pP]\{(?:Script|sc)=([A-Za-z_]+)\}/y;
// Sticky (read at `lastIndex`), so a long pattern is never copied once per escape.
const SURROGATE_PAIR = /\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})/iy;

function readAt(sticky: RegExp, text: string, at: number) {
  sticky.lastIndex = at;
  return sticky.exec(text);
}

/**
 * Rewrites a valid ECMA-262 (`u` flag) pattern so that RE2 reads it with the same meaning where
 * the two engines spell one thing differently, and throws UnsupportedPatternError for what only a
 * backtracking engine can do. What `translateRegExp` already converts (`\u`, `\c`, named groups,
 * `[]`, `[^]`) is left to it.
 */
function rewriteForRe2(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k')
        throw new UnsupportedPatternError(
          pattern,
          `${LINEAR_ONLY}: backreferences (\\1, \\k<name>) need a backtracking engine`,
        );
      const pair = readAt(SURROGATE_PAIR, pattern, i);
      if (pair) {
        const high = Number.parseInt(pair[1]!, 16);
        const low = Number.parseInt(pair[2]!, 16);
        out += `\\x{${((high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000).toString(16)}}`;
        i += pair[0].length;
        continue;
      }
      const script = readAt(SCRIPT_PROPERTY, pattern, i);
      if (script) {
        out += `\\${next}{${script[1]}}`;
        i += script[0].length;
        continue;
      }
      if (next === 's') out += inClass ? spaces().inside : `[${spaces().inside}]`;
      else if (next === 'S') out += inClass ? spaces().negatedInside : `[^${spaces().inside}]`;
      else if (next === 'b' && inClass) out += '\\x{8}';
      else out += c + next;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      // RE2 reads `[:alpha:]` inside a class as a POSIX class; JavaScript as the characters.
      out += c === '[' ? '\\[' : c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      // `[]` and `[^]` are whole tokens for translateRegExp; RE2 would read that `]` as a member.
      const close = pattern.startsWith('[^]', i) ? 3 : pattern.startsWith('[]', i) ? 2 : 0;
      if (close > 0) {
        out += pattern.slice(i + 1, i + close);
        inClass = false;
        i += close;
        continue;
      }
    } else if (c === '.') out += DOT;
    else if (/^\(\?(=|!|<=|<!)/.test(pattern.slice(i, i + 4)))
      throw new UnsupportedPatternError(
        pattern,
        `${LINEAR_ONLY}: lookahead and lookbehind assertions ((?=, (?!, (?<=, (?<!) need a backtracking engine`,
      );
    else out += c;
    i += 1;
  }
  return out;
}

/** What Ajv calls `test` on; `toString` is Ajv's key for sharing one compiled pattern. */
interface LinearPattern {
  test(input: string): boolean;
  toString(): string;
}

/**
 * Compiles a JSON Schema `pattern` (ECMA-262 syntax; `flags` is Ajv's `u`) for RE2, or throws
 * UnsupportedPatternError saying why not: not a valid JavaScript pattern, a backreference or
 * lookaround, or beyond RE2's limits (a repeat count over 1,000, an unknown `\p{…}` name).
 */
export function compileLinearPattern(pattern: string, flags = 'u'): LinearPattern {
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    throw new UnsupportedPatternError(
      pattern,
      `is not a valid regular expression: ${(error as Error).message}`,
    );
  }
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(RE2JS.translateRegExp(rewriteForRe2(pattern)));
  } catch (error) {
    if (!(error instanceof RE2JSSyntaxException)) throw error;
    const why = error.message.replace(/^error parsing regexp: /, '');
    throw new UnsupportedPatternError(pattern, `${LINEAR_ONLY} (RE2 refuses it: ${why})`);
  }
  const key = `re2:/${pattern}/${flags}`;
  return { test: (input) => re2.test(input), toString: () => key };
}

/** Ajv's `code.regExp` option: every pattern a schema compiles goes through compileLinearPattern. */
export const linearRegExpEngine = Object.assign(compileLinearPattern, {
  code: 'compileLinearPattern',
});
