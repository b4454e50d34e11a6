/**
 * JSON user documents (semantics.md §2, "User documents"): a value is stored as what
 * `JSON.parse(JSON.stringify(value))` gives, key order included — a `Date` becomes its ISO string,
 * NaN and ±Infinity become null, -0 becomes 0, `undefined` members drop (and become null in arrays).
 * Values JSON cannot represent faithfully are refused with the path where they sit: `Map`, `Set`,
 * class instances (anything but an array or an object whose prototype is Object.prototype or null;
 * only `Date` is converted, other `toJSON` methods are not honoured), `BigInt`, functions, symbols,
 * cycles; so are strings (values and keys) with NUL or a lone surrogate, and nesting deeper than
 * MAX_JSON_DEPTH.
 */
import { z } from 'zod';
import { MAX_NAME_CHARS, charCount, stringProblem } from './strings.js';

/** Objects and arrays nest at most this deep (the document itself is level 1). */
export const MAX_JSON_DEPTH = 64;

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

// `path` is one array pushed and popped along the walk (copied only into a problem), so converting a
// large document allocates no path per value.
function walk(value: unknown, path: Path, ancestors: object[]): JsonValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    if (problem) throw new JsonProblem([...path], problem);
    return value;
  }
  // Only a missing required document gets here (members and elements that are undefined are handled below).
  if (value === undefined) throw new JsonProblem([...path], 'is required');
  if (typeof value !== 'object') throw new JsonProblem([...path], `${describe(value)} is not JSON`);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
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
    for (const key of Object.keys(value)) {
      const keyProblem = stringProblem(key);
      if (keyProblem) throw new JsonProblem([...path, key], `key ${keyProblem}`);
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined) continue;
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

/** Converts a value to the JSON it is stored as, or returns the path and reason it cannot be. */
export function toJson(value: unknown): { value: JsonValue } | { path: Path; problem: string } {
  try {
    return { value: walk(value, [], []) };
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
