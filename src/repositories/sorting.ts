import { type SQL, asc, desc, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * ORDER BY for a sort key: the main column (NULLs last in either direction, the same on both
 * dialects), then the id in the same direction so paging is stable.
 */
export function orderBy(column: AnyPgColumn, direction: 'asc' | 'desc', id: AnyPgColumn): SQL[] {
  const main = direction === 'asc' ? sql`${column} asc nulls last` : sql`${column} desc nulls last`;
  if (column === id) return [direction === 'asc' ? asc(id) : desc(id)];
  return [main, direction === 'asc' ? asc(id) : desc(id)];
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
