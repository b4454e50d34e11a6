import { type SQL, sql } from 'drizzle-orm';
import { type SqlFragments, escapeLike } from '../fragments.js';

/**
 * PostgreSQL (and PGlite): ILIKE, served by the trigram GIN indexes on `name`; tag lists with `@>`,
 * served by the `jsonb_path_ops` GIN indexes on `tags` (which support `@>` but not `?|`, hence
 * "any" as OR-ed containments).
 */
export const postgresFragments: SqlFragments = {
  containsInsensitive: (column, text) => sql`${column} ilike ${`%${escapeLike(text)}%`} escape '\\'`,
  startsWithInsensitive: (column, text) => sql`${column} ilike ${`${escapeLike(text)}%`} escape '\\'`,
  jsonListIsEmpty: (column) => sql`jsonb_array_length(${column}) = 0`,
  jsonListContainsAll: (column, values) => sql`${column} @> ${JSON.stringify(values)}::jsonb`,
  jsonListContainsAny: (column, values) => {
    const parts: SQL[] = [...new Set(values)].map((v) => sql`${column} @> ${JSON.stringify([v])}::jsonb`);
    return sql`(${sql.join(parts, sql` or `)})`;
  },
};
