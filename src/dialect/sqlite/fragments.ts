import { sql } from 'drizzle-orm';
import { type SqlFragments, escapeLike } from '../fragments.js';

/**
 * SQLite: LIKE is case-insensitive for ASCII only (documented). A `name COLLATE NOCASE` index can
 * serve prefix matches; a substring match scans. Tag lists are read with json_each.
 */
export const sqliteFragments: SqlFragments = {
  containsInsensitive: (column, text) => sql`${column} like ${`%${escapeLike(text)}%`} escape '\\'`,
  startsWithInsensitive: (column, text) => sql`${column} like ${`${escapeLike(text)}%`} escape '\\'`,
  jsonListIsEmpty: (column) => sql`json_array_length(${column}) = 0`,
  jsonListContainsAll: (column, values) => {
    const distinct = [...new Set(values)];
    return sql`(select count(distinct value) from json_each(${column}) where value in ${distinct}) = ${distinct.length}`;
  },
  jsonListContainsAny: (column, values) =>
    sql`exists (select 1 from json_each(${column}) where value in ${[...new Set(values)]})`,
};
