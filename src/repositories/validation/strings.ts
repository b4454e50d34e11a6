/**
 * Strings as every repository takes them (semantics.md §2, "Strings" and "Indexed text"): well-formed
 * UTF-16 without NUL, at most a number of characters (Unicode code points, as both databases count
 * them) and, where the value lands in a B-tree index, at most a number of UTF-8 bytes.
 */
import { z } from 'zod';

/** A name (flow, deployment, run, tag, label, ...) is at most this many characters. */
export const MAX_NAME_CHARS = 1024;
/** Free text (a description, a state message, a path) is at most this many bytes of UTF-8. */
export const MAX_TEXT_BYTES = 1_000_000;

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const HIGH_SURROGATES = /[\uD800-\uDBFF]/g;

/**
 * Why `value` cannot be stored as it is, or undefined. NUL is refused because PostgreSQL `text` and
 * `jsonb` cannot hold it; a lone surrogate because each driver would replace it with U+FFFD in its
 * own way (three on SQLite, one on PostgreSQL), so what comes back would differ from what went in.
 */
export function stringProblem(value: string): string | undefined {
  const nul = value.indexOf('\0');
  if (nul >= 0) return `must not contain NUL characters (found one at index ${nul})`;
  const lone = LONE_SURROGATE.exec(value);
  if (lone) {
    const code = lone[0].charCodeAt(0).toString(16).toUpperCase();
    return `must not contain a lone UTF-16 surrogate (U+${code} at index ${lone.index})`;
  }
  return undefined;
}

/** The number of Unicode code points of a well-formed string. */
export function charCount(value: string): number {
  return value.length - (value.match(HIGH_SURROGATES)?.length ?? 0);
}

/** The UTF-8 length of a well-formed string. */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Limits of a string field; every string is also well-formed and NUL-free. */
export interface StringLimits {
  /** At least this many characters (default 0). */
  minChars?: number;
  /** At most this many characters (code points). */
  maxChars?: number;
  /** At most this many bytes of UTF-8. */
  maxBytes?: number;
  /**
   * Refuse a value that shows nothing (`isBlank`): white space and invisible characters only. For
   * names that identify an entity.
   */
  notBlank?: boolean;
}

/** The message of a value refused by `notBlank`. */
export const BLANK_NAME_MESSAGE = 'must not be blank (white space or invisible characters only)';

/**
 * Characters that show nothing: white space (what `trim()` removes: spaces, tabs, line breaks,
 * U+00A0, U+3000, the BOM), control and format characters (U+200B zero-width space, U+200C/D
 * joiners, U+2060 word joiner, bidi marks, the soft hyphen), Unicode's default-ignorable code
 * points (variation selectors U+FE00-FE0F, U+034F, the Hangul fillers U+115F, U+1160, U+3164,
 * U+FFA0, U+17B4/5, tag characters) and the braille blank U+2800. A name made only of them looks
 * empty in a list or a log line, as a name of spaces does (fresh users' trials named a flow U+200B,
 * then U+FE0F).
 */
const INVISIBLE_ONLY = /^[\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/** Whether a non-empty `value` shows nothing: only white space or invisible characters. */
export function isBlank(value: string): boolean {
  return value.length > 0 && INVISIBLE_ONLY.test(value);
}

/** A string schema with the project's rules: well-formed, no NUL, within `limits`. */
export function boundedString(limits: StringLimits) {
  const { minChars = 0, maxChars, maxBytes, notBlank = false } = limits;
  return z.string().superRefine((value, ctx) => {
    const problem = stringProblem(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return;
    }
    if (notBlank && isBlank(value)) {
      ctx.addIssue({ code: 'custom', message: BLANK_NAME_MESSAGE });
      return;
    }
    const chars = minChars > 0 || maxChars !== undefined ? charCount(value) : 0;
    if (chars < minChars) {
      ctx.addIssue({
        code: 'custom',
        message: minChars === 1 ? 'must not be empty' : `at least ${minChars} characters (got ${chars})`,
      });
    } else if (maxChars !== undefined && chars > maxChars) {
      ctx.addIssue({ code: 'custom', message: `at most ${maxChars} characters (got ${chars})` });
    } else if (maxBytes !== undefined) {
      const bytes = utf8Bytes(value);
      if (bytes > maxBytes) {
        ctx.addIssue({ code: 'custom', message: `at most ${maxBytes} bytes of UTF-8 (got ${bytes})` });
      }
    }
  });
}

/**
 * A name that no index reads (a version, a label, a tag, a filter value): 1 to 1,024 characters.
 * Names stored in an indexed column use `indexedText` (caps.ts) instead.
 */
export const name = boundedString({ minChars: 1, maxChars: MAX_NAME_CHARS });

/** Free text (a description, a state message, an entrypoint): at most 1,000,000 bytes of UTF-8 (MAX_TEXT_BYTES). */
export const text = boundedString({ maxBytes: MAX_TEXT_BYTES });

/** One tag: a name that is not blank (a blank tag could not be told apart from none in a list). */
const tag = boundedString({ minChars: 1, maxChars: MAX_NAME_CHARS, notBlank: true });

/**
 * A tag list: up to 1,000 tags as given (none blank), stored without repeats, each tag where it
 * first appears (`['b', 'a', 'b']` is `['b', 'a']`). A tag is a set member for every reader
 * (filters, tag limits, the UI), so a repeat carries nothing and would only differ between writers.
 * @example parse(tags, ['etl', 'nightly', 'etl'], 'tags') // ['etl', 'nightly']
 */
export const tags = z
  .array(tag)
  .max(1000)
  .transform((list) => [...new Set(list)]);
