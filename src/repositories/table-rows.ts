/**
 * Reads of whole table rows (lists, gets) decoded by a decoder worked out once per table, instead
 * of Drizzle's per-row mapping (issue 13). Drizzle's `mapResultRow` decides each cell's decoder
 * with `is()` checks and walks each field's path with an iterator, for every cell of every row:
 * with the allocations that go with it, that was a quarter of the CPU of a 200-run list on SQLite
 * and most of the garbage collection on PostgreSQL. The statement is the one Drizzle builds, sent
 * through the dialect's `queryArrays`; each value goes through the same column's
 * `mapFromDriverValue` as Drizzle would call, so the rows are the same objects, keys in the same order.
 */
import { Column, getTableColumns } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../dialect/dialect.js';
import type { RepositoryContext } from './context.js';
import { rowDecoder } from './row-shape.js';

/** A query Drizzle has built, which can say its statement (any select builder). */
export interface BuiltQuery {
  toSQL(): { sql: string; params: unknown[] };
}

/** Columns by property name, in select-list order (a table's, or a subset of them). */
export type Fields = Record<string, AnyPgColumn>;

/** A driver row (values in select-list order) as an object keyed by property name (row-shape.ts). */
type RowDecoder = (row: readonly unknown[]) => Record<string, unknown>;

const decoders = new WeakMap<Fields, RowDecoder>();
const withoutCache = new WeakMap<object, Map<string, Fields>>();

function decoderOf(fields: Fields): RowDecoder {
  let decoder = decoders.get(fields);
  if (!decoder) {
    const keys = Object.keys(fields);
    const identity = Column.prototype.mapFromDriverValue;
    const columns = keys.map((key) => {
      const column = fields[key]!;
      // Text, uuid and numbers that arrive as such: Column's own mapFromDriverValue returns its argument.
      return column.mapFromDriverValue === identity ? undefined : column;
    });
    decoder = rowDecoder(keys, columns);
    decoders.set(fields, decoder);
  }
  return decoder;
}

/**
 * The table's columns without `omit` (an internal column the public shape drops, such as the runs'
 * sort key), the same object on every call so that its decoder is worked out once.
 */
export function columnsWithout(table: object, omit: string): Fields {
  let byOmit = withoutCache.get(table);
  if (!byOmit) {
    byOmit = new Map();
    withoutCache.set(table, byOmit);
  }
  let fields = byOmit.get(omit);
  if (!fields) {
    const all = getTableColumns(table as never) as Fields;
    fields = Object.fromEntries(Object.entries(all).filter(([key]) => key !== omit));
    byOmit.set(omit, fields);
  }
  return fields;
}

/** Every column of `table`, in its order (what `select()` with no fields reads). */
export function columnsOf(table: object): Fields {
  return getTableColumns(table as never) as Fields;
}

/**
 * Runs `query`, a select of exactly `fields` (in their order, e.g. `q.select(fields)` or, for every
 * column, `q.select()`), on `q` and decodes its rows as Drizzle would.
 */
export async function readRows<T>(
  ctx: RepositoryContext,
  q: Executor,
  query: BuiltQuery,
  fields: Fields,
): Promise<T[]> {
  const { sql, params } = query.toSQL();
  const rows = await ctx.dialect.queryArrays(q, sql, params);
  const decode = decoderOf(fields);
  const out: T[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = decode(rows[r]!) as T;
  return out;
}
