/**
 * Filter operators shared by every repository, as zod schemas and as SQL. The same operator means
 * the same thing on both dialects; an empty `any` matches nothing. `any`/`notAny` lists of any
 * length go to the database as one parameter (the dialect's inList/notInList, semantics.md §2
 * "Lists"), so a filter with 70,000 ids meets no bind limit and every length of two or more shares
 * one statement (a list of one is an equality, see anyOf).
 */
import { type SQL, type SQLWrapper, and, eq, gte, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { ListType, SqlFragments } from '../dialect/fragments.js';
import { STATE_TYPES } from '../schema/enums.js';
import { name, tags, time, timeLowerBound, uuid } from './validation.js';

export const NOTHING = sql`1 = 0`;

export const idFilter = z.strictObject({
  any: z.array(uuid).optional(),
  notAny: z.array(uuid).optional(),
  isNull: z.boolean().optional(),
});
export type IdFilter = z.input<typeof idFilter>;

export const textFilter = z.strictObject({
  any: z.array(name).optional(),
  notAny: z.array(name).optional(),
  like: name.optional(),
  startsWith: name.optional(),
  isNull: z.boolean().optional(),
});
export type TextFilter = z.input<typeof textFilter>;

export const tagsFilter = z.strictObject({
  all: tags.optional(),
  any: tags.optional(),
  isNull: z.boolean().optional(),
});
export type TagsFilter = z.input<typeof tagsFilter>;

export const timeFilter = z.strictObject({
  before: time.optional(),
  after: timeLowerBound.optional(),
  isNull: z.boolean().optional(),
});
export type TimeFilter = z.input<typeof timeFilter>;

/**
 * `column` is one of `values` (one list parameter; an empty list matches nothing). A list of one
 * value is sent as `column = ?`: the planners treat `x in (select unnest(?))` (PostgreSQL) and
 * `x in (select value from json_each(?))` (SQLite) as a join that yields rows in no useful order,
 * so `state: { type: { any: ['FAILED'] } }` sorted by START_TIME_DESC sorted every FAILED run for a
 * page of 200, where `state_type = ?` reads the page in order from an index led by state_type
 * (docs/performance.md, "What each index serves").
 */
export function anyOf(
  column: AnyPgColumn | SQLWrapper,
  values: readonly string[],
  type: ListType,
  fragments: SqlFragments,
): SQL {
  return values.length === 1 ? eq(column, values[0]) : fragments.inList(column, values, type);
}

/** `column` is none of `values`; an empty list is no condition at all (NULLs included). */
function noneOf(
  column: AnyPgColumn | SQLWrapper,
  values: readonly string[] | undefined,
  type: ListType,
  fragments: SqlFragments,
): SQL | undefined {
  return values && values.length > 0 ? fragments.notInList(column, values, type) : undefined;
}

export function nullness(column: AnyPgColumn, wantNull: boolean | undefined): SQL | undefined {
  if (wantNull === undefined) return undefined;
  return wantNull ? isNull(column) : isNotNull(column);
}

export function idConditions(
  column: AnyPgColumn,
  f: z.output<typeof idFilter> | undefined,
  fragments: SqlFragments,
): SQL[] {
  if (!f) return [];
  const out: (SQL | undefined)[] = [];
  if (f.any) out.push(anyOf(column, f.any, 'uuid', fragments));
  out.push(noneOf(column, f.notAny, 'uuid', fragments));
  out.push(nullness(column, f.isNull));
  return out.filter((c): c is SQL => c !== undefined);
}

export function textConditions(
  column: AnyPgColumn,
  f: z.output<typeof textFilter> | undefined,
  fragments: SqlFragments,
): SQL[] {
  if (!f) return [];
  const out: (SQL | undefined)[] = [];
  if (f.any) out.push(anyOf(column, f.any, 'text', fragments));
  out.push(noneOf(column, f.notAny, 'text', fragments));
  if (f.like !== undefined) out.push(fragments.containsInsensitive(column, f.like));
  if (f.startsWith !== undefined) out.push(fragments.startsWithInsensitive(column, f.startsWith));
  out.push(nullness(column, f.isNull));
  return out.filter((c): c is SQL => c !== undefined);
}

export function tagsConditions(
  column: AnyPgColumn,
  f: z.output<typeof tagsFilter> | undefined,
  fragments: SqlFragments,
): SQL[] {
  if (!f) return [];
  const out: SQL[] = [];
  if (f.all && f.all.length > 0) out.push(fragments.jsonListContainsAll(column, f.all));
  if (f.any) out.push(f.any.length === 0 ? NOTHING : fragments.jsonListContainsAny(column, f.any));
  if (f.isNull !== undefined) {
    const empty = fragments.jsonListIsEmpty(column);
    out.push(f.isNull ? empty : sql`not (${empty})`);
  }
  return out;
}

export function timeConditions(
  column: AnyPgColumn | SQLWrapper,
  f: z.output<typeof timeFilter> | undefined,
): SQL[] {
  if (!f) return [];
  const col = column as AnyPgColumn;
  const out: (SQL | undefined)[] = [];
  if (f.before) out.push(lte(col, f.before));
  if (f.after) out.push(gte(col, f.after));
  out.push(nullness(col, f.isNull));
  return out.filter((c): c is SQL => c !== undefined);
}

export function allOf(conditions: (SQL | undefined)[]): SQL | undefined {
  const present = conditions.filter((c): c is SQL => c !== undefined);
  if (present.length === 0) return undefined;
  return present.length === 1 ? present[0] : and(...present);
}

const stateTypes = z.array(z.enum(STATE_TYPES));

/** A run's current state: `{ type: { any, notAny }, name: { any, notAny, like, startsWith } }`. */
export const stateFilter = z.strictObject({
  type: z.strictObject({ any: stateTypes.optional(), notAny: stateTypes.optional() }).optional(),
  name: textFilter.optional(),
});
export type StateFilter = z.input<typeof stateFilter>;

export function stateConditions(
  t: { stateType: AnyPgColumn; stateName: AnyPgColumn },
  f: z.output<typeof stateFilter> | undefined,
  fragments: SqlFragments,
): SQL[] {
  if (!f) return [];
  const type = f.type;
  const notAny = noneOf(t.stateType, type?.notAny, 'text', fragments);
  return [
    ...(type?.any ? [anyOf(t.stateType, type.any, 'text', fragments)] : []),
    ...(notAny ? [notAny] : []),
    ...textConditions(t.stateName, f.name, fragments),
  ];
}
