/** Column builders for the PostgreSQL schema; `schema/sqlite/columns.ts` has the same names. */
import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  integer,
  json as pgJson,
  jsonb,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Json } from '../json-types.js';
import { uuidv7 } from '../uuid.js';

export const idColumn = () =>
  uuid('id')
    .notNull()
    .$defaultFn(() => uuidv7());
export const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });
export const uuidRef = (name: string) => uuid(name);
export const str = (name: string) => text(name);
export const int = (name: string) => integer(name);
export const small = (name: string) => smallint(name);
export const dbl = (name: string) => doublePrecision(name);
export const bool = (name: string) => boolean(name);
/**
 * JSON the library itself reads (tags, state details, policies, schedules, ...): `jsonb`, so the
 * GIN indexes on `tags` and the `->>` reads in claiming stay cheap (docs/decisions.md).
 */
export const json = <T = Json>(name: string) => jsonb(name).$type<T>();
export const jsonList = <T = Json[]>(name: string) =>
  jsonb(name).$type<T>().notNull().default(sql`'[]'::jsonb`);
export const jsonObject = <T = Record<string, Json>>(name: string) =>
  jsonb(name).$type<T>().notNull().default(sql`'{}'::jsonb`);
/**
 * A user document (semantics.md §2 "User documents"): `json`, which stores the text as given, so
 * key order survives; `jsonb` would sort the keys. No index reads these columns, and `json` has no
 * equality operator, so no query may DISTINCT / GROUP BY / UNION over them.
 */
export const document = <T = Json>(name: string) => pgJson(name).$type<T>();
export const documentObject = <T = Record<string, Json>>(name: string) =>
  pgJson(name).$type<T>().notNull().default(sql`'{}'::json`);

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
  ts('start_time_or_expected').generatedAlwaysAs(sql`coalesce(start_time, expected_start_time)`);
