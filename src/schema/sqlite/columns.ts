/**
 * Column builders for the SQLite schema; `schema/postgres/columns.ts` has the same names.
 * Timestamps are integer Unix milliseconds (UTC): sortable, index-backed and exact to the millisecond.
 */
import { sql } from 'drizzle-orm';
import { integer, real, text } from 'drizzle-orm/sqlite-core';
import type { Json } from '../json-types.js';
import { uuidv7 } from '../uuid.js';

export const idColumn = () =>
  text('id')
    .notNull()
    .$defaultFn(() => uuidv7());
export const ts = (name: string) => integer(name, { mode: 'timestamp_ms' });
export const uuidRef = (name: string) => text(name);
export const str = (name: string) => text(name);
export const int = (name: string) => integer(name);
export const small = (name: string) => integer(name);
export const dbl = (name: string) => real(name);
export const bool = (name: string) => integer(name, { mode: 'boolean' });
export const json = <T = Json>(name: string) => text(name, { mode: 'json' }).$type<T>();
export const jsonList = <T = Json[]>(name: string) =>
  text(name, { mode: 'json' }).$type<T>().notNull().default(sql`'[]'`);
export const jsonObject = <T = Record<string, Json>>(name: string) =>
  text(name, { mode: 'json' }).$type<T>().notNull().default(sql`'{}'`);

/** id, created, updated: every table has them. */
export const baseColumns = () => ({
  id: idColumn(),
  created: ts('created')
    .notNull()
    .$defaultFn(() => new Date()),
  updated: ts('updated')
    .notNull()
    .$defaultFn(() => new Date())
    .$onUpdateFn(() => new Date()),
});

/** coalesce(start_time, expected_start_time), kept as a generated column so the START_TIME sorts are index-backed. */
export const startTimeOrExpected = () =>
  ts('start_time_or_expected').generatedAlwaysAs(sql`coalesce(start_time, expected_start_time)`, {
    mode: 'virtual',
  });
