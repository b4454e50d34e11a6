/** Counting flow runs or task runs: in all, and per state type. */
import { type SQL, and, count } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import { STATE_TYPES, type StateType } from '../schema/enums.js';
import type { RepositoryContext } from './context.js';
import type { RunTable } from './run-transition-statements.js';

/** Counts the runs of `table` matching the conditions `where` builds. */
export function countRuns(
  ctx: RepositoryContext,
  table: RunTable,
  where: (q: Executor) => SQL[],
): Promise<number> {
  return ctx.run(async (q) => {
    const [row] = await q
      .select({ n: count() })
      .from(table)
      .where(and(...where(q)));
    return Number(row?.n ?? 0);
  });
}

/** Counts the runs of `table` per state type matching `where`; every type is present, zeros included. */
export async function countStates(
  ctx: RepositoryContext,
  table: RunTable,
  where: (q: Executor) => SQL[],
): Promise<Record<StateType, number>> {
  const rows = await ctx.run((q) =>
    q
      .select({ type: table.stateType, n: count() })
      .from(table)
      .where(and(...where(q)))
      .groupBy(table.stateType),
  );
  const result = Object.fromEntries(STATE_TYPES.map((type) => [type, 0])) as Record<StateType, number>;
  for (const row of rows) if (row.type) result[row.type] = Number(row.n);
  return result;
}
