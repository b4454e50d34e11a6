/**
 * The statements of a state transition that flow runs and task runs share: the columns it reads
 * under the row lock and writes, and, where the dialect's executor is stable (SQLite), the three
 * statements prepared once, because building a Drizzle query is most of the CPU of a small call.
 */
import { type SQL, eq, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../dialect/dialect.js';
import { type PreparedStatement, direct } from './direct-statement.js';
import type { flowRun, flowRunState, taskRun, taskRunState } from '../schema/postgres/runs.js';
import type { State, Transition } from './states.js';

export type RunTable = typeof flowRun | typeof taskRun;
export type StateTable = typeof flowRunState | typeof taskRunState;
export type StateRow = typeof flowRunState.$inferSelect | typeof taskRunState.$inferSelect;

/** Bookkeeping columns, read under the row lock before a transition. */
export const bookkeeping = (t: RunTable) => ({
  id: t.id,
  stateId: t.stateId,
  stateType: t.stateType,
  stateTimestamp: t.stateTimestamp,
  startTime: t.startTime,
  endTime: t.endTime,
  totalRunTime: t.totalRunTime,
  runCount: t.runCount,
  expectedStartTime: t.expectedStartTime,
  nextScheduledStartTime: t.nextScheduledStartTime,
  empiricalPolicy: t.empiricalPolicy,
});

/** The FROM item of a multi-row transition UPDATE. */
export const UPDATE_ROWS = 'orion_rows';

/** The run columns every transition writes (task runs also write flowRunRunCount). */
const RUN_TRANSITION_COLUMNS = [
  'stateId',
  'stateType',
  'stateName',
  'stateTimestamp',
  'startTime',
  'endTime',
  'totalRunTime',
  'runCount',
  'expectedStartTime',
  'nextScheduledStartTime',
  'empiricalPolicy',
  'updated',
];

/** The state table's columns a transition writes, by key. */
export function stateColumnMap(stateTable: StateTable, kind: 'flow' | 'task'): Record<string, AnyPgColumn> {
  const st = stateTable as unknown as Record<string, AnyPgColumn>;
  const runColumn = kind === 'flow' ? 'flowRunId' : 'taskRunId';
  const keys = [
    'id',
    'created',
    'updated',
    runColumn,
    'type',
    'name',
    'timestamp',
    'message',
    'stateDetails',
    'data',
  ];
  return Object.fromEntries(keys.map((key) => [key, st[key]!]));
}

/** The run table's columns a transition writes, by key. */
export function runColumnMap(table: RunTable, kind: 'flow' | 'task'): Record<string, AnyPgColumn> {
  const t = table as unknown as Record<string, AnyPgColumn>;
  const keys = [...RUN_TRANSITION_COLUMNS, ...(kind === 'task' ? ['flowRunRunCount'] : [])];
  return Object.fromEntries(keys.map((key) => [key, t[key]!]));
}

export interface PreparedTransition {
  read: PreparedStatement;
  insertState: PreparedStatement;
  /** The run UPDATE setting only `keys` (see `changedRunColumns`), prepared once per key set. */
  updateRun(keys: readonly string[]): PreparedStatement;
  /** The columns behind the placeholders, for encoding values. */
  stateColumns: Record<string, AnyPgColumn>;
  runColumns: Record<string, AnyPgColumn>;
}

/**
 * The three statements of a transition on `root`. Values go in through plain placeholders, encoded
 * with each column's own encoder (`encode`: Drizzle's placeholder encoder does not accept NULL).
 */
export function prepareTransition(
  root: Executor,
  table: RunTable,
  stateTable: StateTable,
  kind: 'flow' | 'task',
  lockedExtras: Record<string, SQL | AnyPgColumn>,
): PreparedTransition {
  const stateColumns = stateColumnMap(stateTable, kind);
  const runColumns = runColumnMap(table, kind);
  const placeholders = (columns: Record<string, unknown>) =>
    Object.fromEntries(Object.keys(columns).map((key) => [key, sql`${sql.placeholder(key)}`]));
  const read = root
    .select({ ...bookkeeping(table), ...lockedExtras })
    .from(table)
    .where(eq(table.id, sql.placeholder('runId')));
  const insertState = root
    .insert(stateTable)
    .values(placeholders(stateColumns) as never)
    .returning();
  // A handful of key sets occur (one per kind of move: PENDING, RUNNING, a terminal state...), at
  // most 2^8 in theory; each is one cached statement.
  const updates = new Map<string, PreparedStatement>();
  const updateRun = (keys: readonly string[]) => {
    const id = keys.join(',');
    let statement = updates.get(id);
    if (!statement) {
      const set = Object.fromEntries(keys.map((key) => [key, sql`${sql.placeholder(key)}`]));
      statement = direct(
        root
          .update(table)
          .set(set as never)
          .where(eq(table.id, sql.placeholder('runId')))
          .returning()
          .prepare('orion_transition_run'),
      );
      updates.set(id, statement);
    }
    return statement;
  };
  return {
    read: direct(read.prepare('orion_transition_read')),
    insertState: direct(insertState.prepare('orion_transition_state')),
    updateRun,
    stateColumns,
    runColumns,
  };
}

/** Driver values for plain placeholders: each column's own encoder, NULL passed through. */
export function encode(
  columns: Record<string, AnyPgColumn>,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in columns) {
    const value = values[key];
    out[key] = value === null || value === undefined ? null : columns[key]!.mapToDriverValue(value);
  }
  return out;
}

/** Run columns that change with every transition: always in the UPDATE. */
const ALWAYS_WRITTEN = new Set(['stateId', 'stateType', 'stateName', 'stateTimestamp', 'updated']);

/**
 * The keys of `columns` the UPDATE has to set: the state pointer and `updated`, and each other
 * column whose encoded new value differs from the row read under the lock (`current`; a column
 * it lacks is always set). SQLite rewrites the entries of every index on a column named in SET,
 * even when the value is unchanged, and flow_run indexes most bookkeeping columns: setting them
 * all halved the raw driver's own rate in the set-state bench (issue 13).
 */
export function changedRunColumns(
  columns: Record<string, AnyPgColumn>,
  encoded: Record<string, unknown>,
  current: Record<string, unknown>,
): string[] {
  const keys: string[] = [];
  for (const key in columns) {
    if (ALWAYS_WRITTEN.has(key) || !(key in current)) {
      keys.push(key);
      continue;
    }
    const before = current[key];
    const old = before === null || before === undefined ? null : columns[key]!.mapToDriverValue(before);
    if (old !== encoded[key]) keys.push(key);
  }
  return keys;
}

/** The run columns a transition writes. */
export function runValues(
  r: Transition['run'],
  stateId: string,
  now: Date,
): Record<string, unknown> & { flowRunRunCount?: number } {
  const values: Record<string, unknown> & { flowRunRunCount?: number } = {
    stateId,
    stateType: r.stateType,
    stateName: r.stateName,
    stateTimestamp: r.stateTimestamp,
    startTime: r.startTime,
    endTime: r.endTime,
    totalRunTime: r.totalRunTime,
    runCount: r.runCount,
    expectedStartTime: r.expectedStartTime,
    nextScheduledStartTime: r.nextScheduledStartTime,
    empiricalPolicy: r.empiricalPolicy,
    updated: now,
  };
  // Assigned, not spread in: a spread made every transition's values a slower object (issue 13).
  if (r.flowRunRunCount !== undefined) values.flowRunRunCount = r.flowRunRunCount;
  return values;
}

export function toState(row: StateRow): State {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    timestamp: row.timestamp,
    message: row.message,
    stateDetails: row.stateDetails,
    data: row.data,
    created: row.created,
  };
}
