import { type Column, type SQL, sql } from 'drizzle-orm';
import { type SqlFragments, escapeLike } from '../fragments.js';

/** A list as one JSON text parameter, read back as rows by json_each: `(select value from json_each(?))`. */
const listRows = (values: readonly string[]): SQL =>
  sql`(select value from json_each(${JSON.stringify(values)}))`;

/** One row as a JSON object keyed by column name, each value as the column's driver would bind it. */
function encodeRow(row: Record<string, unknown>, columns: Record<string, Column>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columns)) {
    const value = row[key];
    out[column.name] = value === null || value === undefined ? null : column.mapToDriverValue(value);
  }
  return out;
}

/**
 * SQLite: LIKE is case-insensitive for ASCII only (documented). A `name COLLATE NOCASE` index can
 * serve prefix matches; a substring match scans. Tag lists are read with json_each; so are list
 * parameters, which keeps any list to one bound variable (SQLite allows 32,766) and one statement
 * text. `x IN (select value from json_each(?))` is still a search of the index on `x`.
 */
export const sqliteFragments: SqlFragments = {
  containsInsensitive: (column, text) => sql`${column} like ${`%${escapeLike(text)}%`} escape '\\'`,
  startsWithInsensitive: (column, text) => sql`${column} like ${`${escapeLike(text)}%`} escape '\\'`,
  jsonListIsEmpty: (column) => sql`json_array_length(${column}) = 0`,
  jsonListContainsAll: (column, values) => {
    const distinct = [...new Set(values)];
    return sql`(select count(distinct value) from json_each(${column}) where value in ${listRows(distinct)}) = ${distinct.length}`;
  },
  jsonListContainsAny: (column, values) =>
    sql`exists (select 1 from json_each(${column}) where value in ${listRows([...new Set(values)])})`,
  inList: (column, values) => sql`${column} in ${listRows(values)}`,
  notInList: (column, values) => sql`(${column} is not null and ${column} not in ${listRows(values)})`,
  // json_extract gives back what was bound: text as text, numbers as numbers (JSON columns hold JSON text).
  jsonRows: (rows, alias, columns) => {
    const members = Object.values(columns).map(
      (column) => sql`json_extract(value, ${`$."${column.name}"`}) as ${sql.identifier(column.name)}`,
    );
    const json = JSON.stringify(rows.map((row) => encodeRow(row, columns)));
    return sql`(select ${sql.join(members, sql`, `)} from json_each(${json})) as ${sql.identifier(alias)}`;
  },
  // SQLite's grammar has OFFSET only after a LIMIT; a negative LIMIT means none.
  pageLimit: (limit, offset) => limit ?? (offset ? sql`-1` : undefined),
  placeholder: () => '?',
};
