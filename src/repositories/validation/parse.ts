/** Turns a zod failure into a ValidationError before anything is written. */
import type { z } from 'zod';
import { ValidationError } from '../../errors.js';

/** `parameters.a.b[2]`: dotted keys, bracketed list indexes. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out || '(input)';
}

/** Validates `input`; a failure is a ValidationError listing every issue with its path. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: missingMessage(issue.message) ?? issue.message,
  }));
  // An issue of the input as a whole (a name given alone, an options object's unknown key) says
  // its message after `what`, which already names the input: no "(input):" placeholder.
  const summary = issues
    .slice(0, 3)
    .map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ${i.message}` : i.message))
    .join('; ');
  throw new ValidationError(
    `Invalid ${what}: ${summary}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`,
    issues,
  );
}

/**
 * zod's own words for a value left out (`Invalid input: expected string, received undefined`, and
 * `expected nonoptional` for a field that is optional in its object but not in its refinement),
 * said as the rest of the library says it: "is required (a string)". A trial read the zod text as
 * a type error in what it had passed. Messages our schemas set themselves are kept.
 */
function missingMessage(message: string): string | undefined {
  const missing = /^Invalid input: expected (\w+), received undefined$/.exec(message);
  if (!missing) return undefined;
  const expected = missing[1]!;
  if (expected === 'nonoptional') return 'is required';
  return `is required (${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected})`;
}
