import { eq, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { RepositoryContext } from './context.js';
import { type PreparedStatement, direct } from './direct-statement.js';

/**
 * `SELECT * FROM table WHERE id = :id`, prepared once per handle where the dialect's executor is
 * stable (SQLite); undefined elsewhere, where the caller builds its query each time. Building the
 * Drizzle query was two thirds of the CPU of a `get` (issue 13). The rows are Drizzle's own shape:
 * every column by its property name, decoded by the column.
 */
export function selectById(
  ctx: RepositoryContext,
  name: string,
  table: PgTable & { id: AnyPgColumn },
): PreparedStatement | undefined {
  return ctx.reusable(`${name}-by-id`, (root) =>
    direct(
      root
        .select()
        .from(table as never)
        .where(eq(table.id, sql.placeholder('id')))
        .prepare(`orion_${name}_by_id`),
    ),
  );
}
