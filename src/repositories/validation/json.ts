/**
 * JSON user documents (semantics.md §2, "User documents"): a value is stored as what
 * `JSON.parse(JSON.stringify(value))` gives, key order included — a `Date` becomes its ISO string,
 * NaN and ±Infinity become null, -0 becomes 0, `undefined` members drop (and become null in arrays).
 * Values JSON cannot represent faithfully are refused with the path where they sit: `Map`, `Set`,
 * class instances (anything but an array or an object whose prototype is Object.prototype or null;
 * only `Date` is converted, other `toJSON` methods are not honoured), `BigInt`, functions, symbols,
 * cycles; so are strings (values and keys) with NUL or a lone surrogate, nesting deeper than
 * MAX_JSON_DEPTH, and documents whose JSON text is longer than MAX_JSON_BYTES.
 */
import { z } from 'zod';
import { MAX_NAME_CHARS, charCount, stringProblem } from './strings.js';

/** Objects and arrays nest at most this deep (the document itself is level 1). */
export const MAX_JSON_DEPTH = 64;

/**
 * A document's JSON text holds at most this many bytes of UTF-8 (4,000,000; not 4 MiB). Without a
 * cap, 300 MB of parameters ran into PostgreSQL's statement timeout after 10 s, reported as a
 * retryable error that no retry could mend, and a document past V8's longest string (about 512 MB)
 * cannot even be serialised. Prefect Cloud caps parameters at 512 KB for the same reason — 5 MB of
 * parameters nearly took its database down (PrefectHQ/prefect#9947, #9847) — and the library's
 * multi-row writes aim at 16 MB a statement (batches.ts), which a row of a few documents still fits.
 */
export const MAX_JSON_BYTES = 4_000_000;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

type Path = (string | number)[];

/** Thrown inside the walk, caught by the schema: the first problem and where it is. */
class JsonProblem {
  constructor(
    readonly path: Path,
    readonly message: string,
  ) {}
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  const name = typeof ctor?.name === 'string' && ctor.name ? ctor.name : 'class';
  return `a ${name} instance`;
}

/**
 * An upper bound of the JSON text's bytes, summed along the walk (which is synchronous, so one
 * counter serves every call): a UTF-16 unit is at most 6 bytes written (`\u001f`), a number at most
 * 24 characters, punctuation one byte. Only a document whose bound passes MAX_JSON_BYTES is
 * serialised to be measured exactly.
 */
let boundBytes = 0;

// `path` is one array pushed and popped along the walk (copied only into a problem), so converting a
// large document allocates no path per value.
function walk(value: unknown, path: Path, ancestors: object[]): JsonValue {
  if (value === null || typeof value === 'boolean') {
    boundBytes += 5;
    return value;
  }
  if (typeof value === 'number') {
    boundBytes += 24;
    return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
  }
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    if (problem) throw new JsonProblem([...path], problem);
    boundBytes += 2 + 6 * value.length;
    return value;
  }
  // Only a missing required document gets here (members and elements that are undefined are handled below).
  if (value === undefined) throw new JsonProblem([...path], 'is required');
  if (typeof value !== 'object') throw new JsonProblem([...path], `${describe(value)} is not JSON`);
  if (value instanceof Date) {
    boundBytes += 26;
    return Number.isNaN(value.getTime()) ? null : value.toISOString();
  }
  const isArray = Array.isArray(value);
  if (!isArray) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new JsonProblem([...path], `${describe(value)} is not JSON`);
    }
  }
  if (ancestors.includes(value))
    throw new JsonProblem([...path], 'is a cycle (refers to a value containing it)');
  if (ancestors.length >= MAX_JSON_DEPTH) {
    throw new JsonProblem([...path], `is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  ancestors.push(value);
  try {
    if (isArray) {
      const list = value as unknown[];
      // Each element's separator, and the null an undefined element becomes.
      boundBytes += 2 + 5 * list.length;
      const out: JsonValue[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        path.push(i);
        out[i] = item === undefined ? null : walk(item, path, ancestors);
        path.pop();
      }
      return out;
    }
    if (
      Object.getOwnPropertySymbols(value).some((s) => Object.getOwnPropertyDescriptor(value, s)?.enumerable)
    ) {
      throw new JsonProblem([...path], 'has a symbol key, which is not JSON');
    }
    const out: { [key: string]: JsonValue } = {};
    boundBytes += 2;
    for (const key of Object.keys(value)) {
      const keyProblem = stringProblem(key);
      if (keyProblem) throw new JsonProblem([...path, key], `key ${keyProblem}`);
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined) continue;
      boundBytes += 4 + 6 * key.length;
      path.push(key);
      const converted = walk(member, path, ancestors);
      path.pop();
      if (key === '__proto__') {
        // defineProperty, not assignment: a "__proto__" key must stay a member, as JSON.parse makes it.
        Object.defineProperty(out, key, {
          value: converted,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = converted;
      }
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

/** The exact UTF-8 length of a converted document's JSON text, or Infinity past V8's longest string. */
export function jsonTextBytes(value: JsonValue): number {
  try {
    return Buffer.byteLength(JSON.stringify(value), 'utf8');
  } catch (error) {
    if (error instanceof RangeError) return Number.POSITIVE_INFINITY;
    throw error;
  }
}

const bytesFormat = new Intl.NumberFormat('en-US');

/**
 * Converts a value to the JSON it is stored as, or returns the path and reason it cannot be.
 * `maxBytes` is the cap on its JSON text (MAX_JSON_BYTES; tests pass small ones).
 */
export function toJson(
  value: unknown,
  maxBytes = MAX_JSON_BYTES,
): { value: JsonValue } | { path: Path; problem: string } {
  boundBytes = 0;
  try {
    const converted = walk(value, [], []);
    if (boundBytes > maxBytes) {
      const bytes = jsonTextBytes(converted);
      if (bytes > maxBytes) {
        const got = Number.isFinite(bytes)
          ? bytesFormat.format(bytes)
          : 'more than a JavaScript string holds';
        return {
          path: [],
          problem: `at most ${bytesFormat.format(maxBytes)} bytes of JSON text (got ${got}): keep large values outside the database and store a reference to them`,
        };
      }
    }
    return { value: converted };
  } catch (error) {
    if (error instanceof JsonProblem) return { path: error.path, problem: error.message };
    throw error;
  }
}

/** Any JSON value (state data, pull steps, a parameter schema), converted as described above. */
export const json = z
  .custom<unknown>(() => true)
  .transform((value, ctx): JsonValue => {
    const result = toJson(value);
    if ('problem' in result) {
      ctx.addIssue({ code: 'custom', message: result.problem, path: result.path });
      return z.NEVER;
    }
    return result.value;
  });

const isObject = (v: unknown): v is Record<string, JsonValue> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON object (parameters, context, job variables, a base job template, ...). */
export const jsonObject = json.refine(isObject, {
  message: 'must be a JSON object',
  abort: true,
}) as unknown as z.ZodType<Record<string, JsonValue>, Record<string, unknown>>;

/** Labels: a JSON object of names (1 to 1,024 characters) to strings of at most 1,024 characters. */
export const labels = jsonObject.superRefine((value, ctx) => {
  for (const [key, v] of Object.entries(value)) {
    if (key.length === 0 || charCount(key) > MAX_NAME_CHARS) {
      ctx.addIssue({ code: 'custom', message: `key must be 1 to ${MAX_NAME_CHARS} characters`, path: [key] });
    } else if (typeof v !== 'string') {
      ctx.addIssue({ code: 'custom', message: 'must be a string', path: [key] });
    } else if (charCount(v) > MAX_NAME_CHARS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_NAME_CHARS} characters`, path: [key] });
    }
  }
}) as unknown as z.ZodType<Record<string, string>, Record<string, string>>;
