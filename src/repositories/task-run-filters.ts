/**
 * A task run's own filter (`where`), apart from the repository so that flow runs can filter by
 * their task runs and task runs by their flow runs without the two modules importing each other.
 */
import type { SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { RepositoryContext } from './context.js';
import {
  idConditions,
  idFilter,
  stateConditions,
  stateFilter,
  tagsConditions,
  tagsFilter,
  textConditions,
  textFilter,
  timeConditions,
  timeFilter,
} from './filters.js';

export const taskRunWhere = z.strictObject({
  id: idFilter.optional(),
  name: textFilter.optional(),
  tags: tagsFilter.optional(),
  state: stateFilter.optional(),
  flowRunId: idFilter.optional(),
  taskKey: textFilter.optional(),
  startTime: timeFilter.optional(),
  endTime: timeFilter.optional(),
  expectedStartTime: timeFilter.optional(),
  nextScheduledStartTime: timeFilter.optional(),
});

/** SQL conditions on the task run table for a `where`. */
export function taskRunConditions(ctx: RepositoryContext, where: z.output<typeof taskRunWhere> = {}): SQL[] {
  const t = ctx.tables.taskRun;
  const f = ctx.fragments;
  const w = where;
  return [
    ...idConditions(t.id, w.id, f),
    ...textConditions(t.name, w.name, f),
    ...tagsConditions(t.tags, w.tags, f),
    ...idConditions(t.flowRunId, w.flowRunId, f),
    ...textConditions(t.taskKey, w.taskKey, f),
    ...timeConditions(t.startTime, w.startTime),
    ...timeConditions(t.endTime, w.endTime),
    ...timeConditions(t.expectedStartTime, w.expectedStartTime),
    ...timeConditions(t.nextScheduledStartTime, w.nextScheduledStartTime),
    ...stateConditions(t, w.state, f),
  ];
}
