import type { Column, SQL, SQLWrapper } from 'drizzle-orm';

/** The SQL type of a list's elements: ids (`uuid` columns on PostgreSQL, text on SQLite) or text. */
export type ListType = 'uuid' | 'text';

/** The few SQL fragments whose spelling differs between dialects. */
export interface SqlFragments {
  /** Case-insensitive substring match; `%`, `_` and `\` in `text` match literally. */
  containsInsensitive(column: SQLWrapper, text: string): SQL;
  /** Case-insensitive prefix match; wildcards in `text` match literally. */
  startsWithInsensitive(column: SQLWrapper, text: string): SQL;
  /** The JSON list in `column` is empty. */
  jsonListIsEmpty(column: SQLWrapper): SQL;
  /** The JSON list in `column` contains every one of `values`. */
  jsonListContainsAll(column: SQLWrapper, values: readonly string[]): SQL;
  /** The JSON list in `column` contains at least one of `values`. */
  jsonListContainsAny(column: SQLWrapper, values: readonly string[]): SQL;
  /**
   * `column` equals one of `values`. The list travels as ONE text parameter whatever its length,
   * so any accepted length stays under the driver's bind limit and the statement text is the same
   * for every length (semantics.md §2 "Lists"). An empty list matches nothing.
   */
  inList(column: SQLWrapper, values: readonly string[], type: ListType): SQL;
  /**
   * `column` equals none of `values`, as one parameter like inList. A NULL column never matches
   * (as SQL's NOT IN with a non-empty list).
   */
  notInList(column: SQLWrapper, values: readonly string[], type: ListType): SQL;
  /**
   * `rows` as a FROM item named `alias`, sent as ONE JSON text parameter: a column per entry of
   * `columns` (named like that column, typed and encoded like it), for a multi-row UPDATE ... FROM
   * whose size no bind limit caps (semantics.md §2 "Lists"). Values are the application's (Dates,
   * objects); the fragment encodes them the way the column's driver expects.
   */
  jsonRows(rows: readonly Record<string, unknown>[], alias: string, columns: Record<string, Column>): SQL;
  /**
   * The LIMIT of a page: `limit` when given; when only an offset is given, whatever the dialect's
   * grammar needs for "no limit" (SQLite has no OFFSET without LIMIT: `LIMIT -1`); undefined for
   * no LIMIT clause. A number or an SQL expression, as Drizzle's `.limit()` accepts both.
   */
  pageLimit(limit: number | undefined, offset: number | undefined): number | SQL | undefined;
  /** The text of the `n`-th (1-based) bind parameter in a statement written as text (`runText`). */
  placeholder(n: number): string;
}

/** Escapes LIKE wildcards so user input matches literally (used with `ESCAPE '\'`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
