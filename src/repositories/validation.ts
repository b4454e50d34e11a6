/**
 * Input validation shared by every repository: zod schemas for ids, names, times and JSON, and
 * `parse`, which turns a zod failure into a ValidationError before anything is written.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';

export const MAX_NAME_LENGTH = 1024;
const MAX_JSON_DEPTH = 64;

const noNul = (value: string) => !value.includes('\0');
const NUL_MESSAGE = 'must not contain NUL characters';

/** A UUID in any case, lower-cased. */
export const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID')
  .transform((s) => s.toLowerCase());

/** A name: 1 to 1,024 characters, no NUL. */
export const name = z.string().min(1).max(MAX_NAME_LENGTH).refine(noNul, NUL_MESSAGE);

/** Free text (a message, a description): no NUL, at most 1 MB. */
export const text = z.string().max(1_000_000).refine(noNul, NUL_MESSAGE);

/** A tag list: names, each at most 1,024 characters. */
export const tags = z.array(name).max(1000);

export const labels = z.record(name, z.string().max(MAX_NAME_LENGTH).refine(noNul, NUL_MESSAGE));

/** A Date or an ISO-8601 string with an offset; millisecond precision is what is stored. */
export const time = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((value, ctx) => {
  const date = value instanceof Date ? new Date(value.getTime()) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be a valid date' });
    return z.NEVER;
  }
  return date;
});

/**
 * Any JSON value: NaN and ±Infinity become null, undefined object members are dropped, NUL is
 * refused in strings and keys, and depth is bounded.
 */
export const json = z.unknown().transform((value, ctx) => {
  const problem: { message?: string } = {};
  const cleaned = toJson(value, 0, problem);
  if (problem.message) {
    ctx.addIssue({ code: 'custom', message: problem.message });
    return z.NEVER;
  }
  return cleaned as JsonValue;
});

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

function toJson(value: unknown, depth: number, problem: { message?: string }): unknown {
  if (problem.message) return null;
  if (depth > MAX_JSON_DEPTH) {
    problem.message = `is nested deeper than ${MAX_JSON_DEPTH} levels`;
    return null;
  }
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    if (!noNul(value)) problem.message = `${NUL_MESSAGE} (inside JSON)`;
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : toJson(v, depth + 1, problem)));
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (!noNul(key)) problem.message = `${NUL_MESSAGE} (in a JSON key)`;
      if (v === undefined) continue;
      const member = toJson(v, depth + 1, problem);
      // `out.__proto__ = x` would set the prototype and lose the member: define it instead.
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: member,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = member;
      }
    }
    return out;
  }
  problem.message = `is not JSON (found a ${typeof value})`;
  return null;
}

/** A JSON object (parameters, context, job variables, ...). */
export const jsonObject = json.refine(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'must be a JSON object',
) as unknown as z.ZodType<Record<string, JsonValue>, unknown>;

export const limit = z.number().int().min(0).max(1_000_000_000);
export const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Validates `input`; a failure is a ValidationError listing every issue with its path. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
  }));
  const summary = issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`)
    .join('; ');
  throw new ValidationError(
    `Invalid ${what}: ${summary}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`,
    issues,
  );
}
