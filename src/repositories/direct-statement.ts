/**
 * A Drizzle prepared query run on its better-sqlite3 statement directly. Building a Drizzle query
 * is most of the CPU of a small call, and even a prepared one does per call what can be worked out
 * once; this is for the hot statements that are prepared once per handle (issue 13).
 */
import { Column, Placeholder, SQL, is } from 'drizzle-orm';
import { type ValueDecoder, rowDecoder } from './row-shape.js';

/** A prepared query that answers synchronously (better-sqlite3), values by placeholder name. */
export interface PreparedStatement {
  all(values: Record<string, unknown>): unknown[];
}

/** A prepared query without RETURNING: it answers nothing, values by placeholder name. */
export interface PreparedWrite {
  run(values: Record<string, unknown>): void;
}

/** What `direct` reads of a Drizzle better-sqlite3 prepared query. */
interface DrizzlePrepared extends PreparedStatement {
  stmt?: {
    raw(toggle: boolean): { all(...params: unknown[]): unknown[][] };
    run(...params: unknown[]): unknown;
  };
  query?: { params: unknown[] };
  fields?: { path: string[]; field: unknown }[];
  customResultMapper?: unknown;
}

/**
 * The prepared query run on its better-sqlite3 statement directly, with the parameter order and
 * each result column's decoder worked out once: what Drizzle's `all` does per call (fill the
 * placeholders, decide each field's decoder with `is()` checks, walk each field's path) was a
 * tenth of a transition's CPU (issue 13). Same statement, same values, same row shape; a query
 * with anything else than named placeholders and top-level fields keeps Drizzle's own `all`.
 */
export function direct(query: unknown): PreparedStatement {
  const prepared = query as DrizzlePrepared;
  const { stmt, fields } = prepared;
  const params = prepared.query?.params;
  // joinsNotNullableMap only matters for nested (joined) fields, which fall back below.
  if (!stmt || !params || !fields || prepared.customResultMapper) {
    return prepared;
  }
  const bind = binder(params);
  if (!bind) return prepared;
  const keys: string[] = [];
  const decoders: ValueDecoder[] = [];
  // An SQL field's decoder (its mapWith) is internal to Drizzle's types.
  const decoderOf = (expression: SQL) => (expression as unknown as { decoder: ValueDecoder }).decoder;
  for (const { path, field } of fields) {
    if (path.length !== 1) return prepared;
    if (is(field, Column)) decoders.push(field);
    else if (is(field, SQL)) decoders.push(decoderOf(field));
    else if (is(field, SQL.Aliased)) decoders.push(decoderOf(field.sql));
    else return prepared;
    keys.push(path[0]!);
  }
  const decode = rowDecoder(keys, decoders);
  return {
    all(values) {
      return stmt
        .raw(true)
        .all(...bind(values))
        .map(decode);
    },
  };
}

/** The driver's parameters from values by placeholder name; undefined unless every parameter is a named placeholder. */
function binder(params: unknown[]): ((values: Record<string, unknown>) => unknown[]) | undefined {
  if (!params.every((param) => is(param, Placeholder))) return undefined;
  const names = params.map((param) => (param as Placeholder).name);
  return (values) => {
    // A loop, not names.map with a closure: this runs for every statement of a transition.
    const out = new Array<unknown>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (!(name in values)) throw new Error(`No value for placeholder "${name}" was provided`);
      out[i] = values[name];
    }
    return out;
  };
}

/**
 * A prepared INSERT or UPDATE without RETURNING run on its better-sqlite3 statement directly (see
 * `direct`). Throws when the query is not one (a programming error, found by the first test).
 */
export function directWrite(query: unknown): PreparedWrite {
  const prepared = query as DrizzlePrepared;
  const { stmt, fields } = prepared;
  const bind = prepared.query?.params && binder(prepared.query.params);
  if (!stmt || fields || !bind) throw new Error('directWrite takes a prepared write without RETURNING');
  return {
    run(values) {
      stmt.run(...bind(values));
    },
  };
}
