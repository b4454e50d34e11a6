import { type SQL, asc, desc, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { SqlFragments } from '../dialect/fragments.js';

/**
 * ORDER BY for a sort key: the main column (NULLs last in either direction, the same on both
 * dialects), then the id in the same direction so paging is stable.
 *
 * A NOT NULL column is ordered without a NULLS clause: the rows come out the same, and an index on
 * it serves either direction (PostgreSQL scans a btree backwards as `DESC NULLS FIRST`, which
 * `DESC NULLS LAST` does not match, so `name desc nulls last` sorted every row: NAME_DESC over
 * 300,000 task runs took 179 ms against 5 ms for NAME_ASC).
 */
export function orderBy(column: AnyPgColumn | SQL, direction: 'asc' | 'desc', id: AnyPgColumn): SQL[] {
  const byId = direction === 'asc' ? asc(id) : desc(id);
  if (column === id) return [byId];
  const nullable = !(column as { notNull?: boolean }).notNull;
  const main = !nullable
    ? direction === 'asc'
      ? asc(column)
      : desc(column)
    : direction === 'asc'
      ? sql`${column} asc nulls last`
      : sql`${column} desc nulls last`;
  return [main, byId];
}

/** The sorts flows and deployments share. */
export const NAMED_ENTITY_SORTS = ['CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC', 'NAME_DESC'] as const;
export type NamedEntitySort = (typeof NAMED_ENTITY_SORTS)[number];

/** ORDER BY for flows and deployments (NAME_ASC by default). */
export function namedEntityOrder(
  t: { id: AnyPgColumn; name: AnyPgColumn; created: AnyPgColumn; updated: AnyPgColumn },
  sort: NamedEntitySort = 'NAME_ASC',
): SQL[] {
  switch (sort) {
    case 'CREATED_DESC':
      return orderBy(t.created, 'desc', t.id);
    case 'UPDATED_DESC':
      return orderBy(t.updated, 'desc', t.id);
    case 'NAME_ASC':
      return orderBy(t.name, 'asc', t.id);
    case 'NAME_DESC':
      return orderBy(t.name, 'desc', t.id);
  }
}

/** A page of a list: at most `limit` rows after skipping `offset`; either may be missing. */
export interface Page {
  limit?: number;
  offset?: number;
}

/**
 * Applies a page to a query. An offset without a limit works on every dialect (semantics.md §2
 * "Paging"): the dialect says what LIMIT its grammar needs then (SQLite: `LIMIT -1`).
 */
export function paged<Q extends { limit(n: number): Q; offset(n: number): Q }>(
  query: Q,
  page: Page,
  fragments: SqlFragments,
): Q {
  let out = query;
  const limit = fragments.pageLimit(page.limit, page.offset);
  // Drizzle's .limit() takes an SQL expression as well as a number (it is embedded as is).
  if (limit !== undefined) out = out.limit(limit as number);
  if (page.offset) out = out.offset(page.offset);
  return out;
}
