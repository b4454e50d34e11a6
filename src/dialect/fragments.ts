import type { SQL, SQLWrapper } from 'drizzle-orm';

/** The few SQL fragments whose spelling differs between dialects. */
export interface SqlFragments {
  /** Case-insensitive substring match; `%`, `_` and `\` in `text` match literally. */
  containsInsensitive(column: SQLWrapper, text: string): SQL;
  /** Case-insensitive prefix match; wildcards in `text` match literally. */
  startsWithInsensitive(column: SQLWrapper, text: string): SQL;
  /** The JSON list in `column` is empty. */
  jsonListIsEmpty(column: SQLWrapper): SQL;
  /** The JSON list in `column` contains every one of `values`. */
  jsonListContainsAll(column: SQLWrapper, values: string[]): SQL;
  /** The JSON list in `column` contains at least one of `values`. */
  jsonListContainsAny(column: SQLWrapper, values: string[]): SQL;
}

/** Escapes LIKE wildcards so user input matches literally (used with `ESCAPE '\'`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
