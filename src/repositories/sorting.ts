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
