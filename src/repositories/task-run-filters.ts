/**
 * A task run's own filter (`where`), apart from the repository so that flow runs can filter by
 * their task runs and task runs by their flow runs without the two modules importing each other.
 */
import type { SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { RepositoryContext } from './context.js';
import { idConditions, idFilter, textConditions, textFilter } from './filters.js';
import { runConditions, runWhereFields } from './run-filters.js';

export const taskRunWhere = z.strictObject({
  ...runWhereFields,
  flowRunId: idFilter.optional(),
  taskKey: textFilter.optional(),
});

/** SQL conditions on the task run table for a `where`. */
export function taskRunConditions(ctx: RepositoryContext, where: z.output<typeof taskRunWhere> = {}): SQL[] {
  const t = ctx.tables.taskRun;
  const f = ctx.fragments;
  return [
    ...runConditions(t, where, f),
    ...idConditions(t.flowRunId, where.flowRunId, f),
    ...textConditions(t.taskKey, where.taskKey, f),
  ];
}
