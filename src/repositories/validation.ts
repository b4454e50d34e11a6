/**
 * Input validation shared by every repository: zod building blocks for ids, names, indexed text,
 * times and JSON (in validation/), and `parse`, which turns a zod failure into a ValidationError
 * before anything is written. The rules are semantics.md §2; docs/repositories.md, "Input limits",
 * lists them for users.
 */
import { z } from 'zod';
import { parse } from './validation/parse.js';

export {
  BTREE_MAX_INDEX_ROW_BYTES,
  INDEXED_TEXT_BYTES,
  type IndexedColumn,
  SHARED_INDEXED_TEXT_BYTES,
  SOLE_INDEXED_TEXT_BYTES,
  TAG_LIMIT_TAG_BYTES,
  entityName,
  indexedText,
  indexedTextBytes,
} from './validation/caps.js';
export { duration } from './validation/durations.js';
export { STATE_DETAILS_TIME_KEYS, empiricalPolicy, stateDetails } from './validation/interpreted.js';
export { type JsonValue, MAX_JSON_DEPTH, json, jsonObject, labels, toJson } from './validation/json.js';
export { formatPath, parse } from './validation/parse.js';
export {
  BLANK_NAME_MESSAGE,
  MAX_NAME_CHARS,
  MAX_TEXT_BYTES,
  boundedString,
  charCount,
  name,
  stringProblem,
  tags,
  text,
  utf8Bytes,
} from './validation/strings.js';
export {
  MAX_TIME,
  MIN_TIME,
  parseLocalTime,
  parseTime,
  time,
  timeLowerBound,
  wallClockToInstant,
} from './validation/times.js';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in any case, lower-cased. */
export const uuid = z
  .string()
  .regex(UUID_PATTERN, 'must be a UUID')
  .transform((s) => s.toLowerCase());

/**
 * `parse(uuid, input, what)` for an id argument: a string the pattern accepts is lower-cased here,
 * as the schema would, without zod's walk (a few µs of every state transition's CPU, issue 13);
 * anything else goes to zod, which stays the one judge of bad input and its error.
 */
export function parseUuid(input: unknown, what: string): string {
  if (typeof input === 'string' && UUID_PATTERN.test(input)) return input.toLowerCase();
  return parse(uuid, input, what);
}

/**
 * A whole number in [min, max] with one issue and one sentence whatever is wrong (a fraction, a
 * string, 1e300): zod's own checks report each bound they break, in their own wording. A value left
 * out of a required field "is required (a whole number from ...)".
 * @example wholeNumber(0, 1_000_000, ' (null means no limit)') // "must be a whole number from 0 to 1,000,000 (null means no limit)"
 */
export function wholeNumber(min: number, max: number, note = '') {
  const error = `must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}${note}`;
  // A required number left out says so: "must be a whole number" read as if the value were wrong.
  const missing = `is required (${error.slice('must be '.length)})`;
  return z
    .number({ error: (issue) => (issue.input === undefined ? missing : error) })
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { error });
}

/** A list's `limit`: 0 to 1,000,000,000 rows. */
export const limit = wholeNumber(0, 1_000_000_000);
export const offset = wholeNumber(0, Number.MAX_SAFE_INTEGER);
