/**
 * The options flow runs and task runs share: their sorts (and the ORDER BY each stands for), the
 * fields computed when a run is read, and setState's options.
 */
import type { SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { RunTable } from './run-transition-statements.js';
import { orderBy } from './sorting.js';
import { uuid } from './validation.js';

/** Fields every run carries besides its columns, computed when read. */
export interface DerivedRunFields {
  /** Seconds: total run time, plus the current RUNNING stretch so far. */
  estimatedRunTime: number;
  /** Seconds late: how late it started, or how overdue it is while still waiting. */
  estimatedStartTimeDelta: number;
}

export const RUN_SORTS = [
  'ID_DESC',
  'START_TIME_ASC',
  'START_TIME_DESC',
  'EXPECTED_START_TIME_ASC',
  'EXPECTED_START_TIME_DESC',
  'NAME_ASC',
  'NAME_DESC',
  'NEXT_SCHEDULED_START_TIME_ASC',
  'END_TIME_DESC',
] as const;
export type RunSort = (typeof RUN_SORTS)[number];

export const setStateOptions = z.strictObject({ expectedStateId: uuid.nullable().optional() });
export type SetStateOptions = z.input<typeof setStateOptions>;

/** Sorting on the START_TIME keys uses coalesce(start_time, expected_start_time). */
export function runOrder(sort: RunSort, t: RunTable, startKey: AnyPgColumn | SQL): SQL[] {
  const start = startKey as AnyPgColumn;
  switch (sort) {
    case 'ID_DESC':
      return orderBy(t.id, 'desc', t.id);
    case 'START_TIME_ASC':
      return orderBy(start, 'asc', t.id);
    case 'START_TIME_DESC':
      return orderBy(start, 'desc', t.id);
    case 'EXPECTED_START_TIME_ASC':
      return orderBy(t.expectedStartTime, 'asc', t.id);
    case 'EXPECTED_START_TIME_DESC':
      return orderBy(t.expectedStartTime, 'desc', t.id);
    case 'NAME_ASC':
      return orderBy(t.name, 'asc', t.id);
    case 'NAME_DESC':
      return orderBy(t.name, 'desc', t.id);
    case 'NEXT_SCHEDULED_START_TIME_ASC':
      return orderBy(t.nextScheduledStartTime, 'asc', t.id);
    case 'END_TIME_DESC':
      return orderBy(t.endTime, 'desc', t.id);
  }
}
