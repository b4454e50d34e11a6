/**
 * The filters every run takes, flow run or task run: on the columns both run tables have (id,
 * name, tags, state and the four times). Each run's own `where` adds its other columns.
 */
import type { SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import type { SqlFragments } from '../dialect/fragments.js';
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

/** The zod fields of the shared filters, spread into each run's `where`. */
export const runWhereFields = {
  id: idFilter.optional(),
  name: textFilter.optional(),
  tags: tagsFilter.optional(),
  state: stateFilter.optional(),
  startTime: timeFilter.optional(),
  endTime: timeFilter.optional(),
  expectedStartTime: timeFilter.optional(),
  nextScheduledStartTime: timeFilter.optional(),
};

type RunWhere = { [K in keyof typeof runWhereFields]?: z.output<(typeof runWhereFields)[K]> };
type RunColumns = Record<
  | 'id'
  | 'name'
  | 'tags'
  | 'stateType'
  | 'stateName'
  | 'startTime'
  | 'endTime'
  | 'expectedStartTime'
  | 'nextScheduledStartTime',
  AnyPgColumn
>;

/** SQL conditions of the shared filters on a run table `t`. */
export function runConditions(t: RunColumns, w: RunWhere, f: SqlFragments): SQL[] {
  return [
    ...idConditions(t.id, w.id, f),
    ...textConditions(t.name, w.name, f),
    ...tagsConditions(t.tags, w.tags, f),
    ...timeConditions(t.startTime, w.startTime),
    ...timeConditions(t.endTime, w.endTime),
    ...timeConditions(t.expectedStartTime, w.expectedStartTime),
    ...timeConditions(t.nextScheduledStartTime, w.nextScheduledStartTime),
    ...stateConditions(t, w.state, f),
  ];
}
