import { eq, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../dialect/dialect.js';
import type { RepositoryContext } from './context.js';
import { direct } from './direct-statement.js';
import { columnsOf, readRows } from './table-rows.js';

type TableWithId = PgTable & { id: AnyPgColumn };

/** The statement text of `SELECT * FROM table WHERE id = $1` per table (PostgreSQL and PGlite share it). */
const byIdTexts = new WeakMap<object, string>();

/**
 * The row of `table` whose id is `id` (every column by its property name, decoded by the column,
 * as Drizzle's `select()` returns it), or undefined. Building the Drizzle query was two thirds of
 * the CPU of a `get` on SQLite and its per-cell row mapping most of the rest (issue 13), so:
 * - where the dialect's executor is stable (SQLite), the query is prepared once per handle and run
 *   on its better-sqlite3 statement directly;
 * - elsewhere (PostgreSQL, PGlite) the statement text is worked out once per table and sent with
 *   the id as its one parameter, its row decoded by the table's decoder (table-rows.ts).
 */
export async function rowById<T>(
  ctx: RepositoryContext,
  q: Executor,
  name: string,
  table: TableWithId,
  id: string,
): Promise<T | undefined> {
  const prepared = ctx.reusable(`${name}-by-id`, (root) =>
    direct(
      root
        .select()
        .from(table as never)
        .where(eq(table.id, sql.placeholder('id')))
        .prepare(`orion_${name}_by_id`),
    ),
  );
  if (prepared) return prepared.all({ id })[0] as T | undefined;
  let text = byIdTexts.get(table);
  if (text === undefined) {
    text = q
      .select()
      .from(table)
      .where(eq(table.id, sql.placeholder('id')))
      .toSQL().sql;
    byIdTexts.set(table, text);
  }
  const statement = text;
  const [row] = await readRows<T>(
    ctx,
    q,
    { toSQL: () => ({ sql: statement, params: [id] }) },
    columnsOf(table),
  );
  return row;
}
