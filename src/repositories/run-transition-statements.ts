/**
 * The statements of a state transition that flow runs and task runs share: the columns it reads
 * under the row lock and writes, and, where the dialect's executor is stable (SQLite), the three
 * statements prepared once, because building a Drizzle query is most of the CPU of a small call.
 */
import { type SQL, eq, getTableColumns, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../dialect/dialect.js';
import { type PreparedStatement, type PreparedWrite, direct, directWrite } from './direct-statement.js';
import type { flowRun, flowRunState, taskRun, taskRunState } from '../schema/postgres/runs.js';
import { uuidv7 } from '../schema/uuid.js';
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
  /** The run's whole row (its generated columns aside) and the kind's `lockedExtras`. */
  read: PreparedStatement;
  insertState: PreparedWrite;
  /**
   * The run UPDATE setting only the columns of `mask` (see `changedRunMask`), prepared once per
   * mask, with those columns' keys.
   */
  updateRun(mask: number): { keys: readonly string[]; statement: PreparedWrite };
  /** The same UPDATE returning the row, for a caller whose locked row is not whole (transitionLocked). */
  updateRunReturning(mask: number): { keys: readonly string[]; statement: PreparedStatement };
  /** The columns behind the placeholders, for encoding values. */
  stateColumns: Record<string, AnyPgColumn>;
  runColumns: Record<string, AnyPgColumn>;
  /** The state column's key that points at the run. */
  stateRunKey: 'flowRunId' | 'taskRunId';
  /** The keys `read` adds that are not columns of the run table, dropped from the written row. */
  extraKeys: string[];
}

/** The table's stored columns by key, in its order: a generated column is computed at each read. */
function storedColumns(table: RunTable): Record<string, AnyPgColumn> {
  const columns = getTableColumns(table) as Record<string, AnyPgColumn>;
  return Object.fromEntries(Object.entries(columns).filter(([, column]) => !column.generated));
}

/**
 * The three statements of a transition on `root`. Values go in through plain placeholders, encoded
 * with each column's own encoder (`encode`: Drizzle's placeholder encoder does not accept NULL).
 * The writes return nothing: the lock-read takes the whole row, and what the writes store is
 * known from the values sent (`writtenRun`, `writtenState`). RETURNING cost SQLite a subprogram
 * and a second read of the row per statement, and the row's columns were decoded twice (issue 13).
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
  const stored = storedColumns(table);
  const placeholders = (columns: Record<string, unknown>) =>
    Object.fromEntries(Object.keys(columns).map((key) => [key, sql`${sql.placeholder(key)}`]));
  const read = root
    .select({ ...stored, ...lockedExtras })
    .from(table)
    .where(eq(table.id, sql.placeholder('runId')));
  const insertState = root.insert(stateTable).values(placeholders(stateColumns) as never);
  const update = (keys: readonly string[]) =>
    root
      .update(table)
      .set(placeholders(Object.fromEntries(keys.map((key) => [key, true]))) as never)
      .where(eq(table.id, sql.placeholder('runId')));
  // A handful of column sets occur (one per kind of move: PENDING, RUNNING, a terminal state...),
  // at most 2^8 in theory; each is one cached statement, found by its mask (a number: a key joined
  // from the column names per call was a visible part of the transition's JavaScript, issue 13).
  const runKeys = Object.keys(runColumns);
  const cached = <T>(build: (keys: readonly string[]) => T) => {
    const statements = new Map<number, { keys: readonly string[]; statement: T }>();
    return (mask: number) => {
      let entry = statements.get(mask);
      if (!entry) {
        const keys = runKeys.filter((_, i) => (mask & (1 << i)) !== 0);
        entry = { keys, statement: build(keys) };
        statements.set(mask, entry);
      }
      return entry;
    };
  };
  return {
    read: direct(read.prepare('orion_transition_read')),
    insertState: directWrite(insertState.prepare('orion_transition_state')),
    updateRun: cached((keys) => directWrite(update(keys).prepare('orion_transition_run'))),
    updateRunReturning: cached((keys) =>
      direct(update(keys).returning().prepare('orion_transition_run_returning')),
    ),
    stateColumns,
    runColumns,
    stateRunKey: kind === 'flow' ? 'flowRunId' : 'taskRunId',
    extraKeys: Object.keys(lockedExtras).filter((key) => !(key in stored)),
  };
}

/**
 * Appends the state and updates the run for a computed transition on the prepared statements,
 * synchronously; the run's row as written (undecorated) and the state. `whole`: `current` is the
 * row `read` read (every stored column), so the written row is known without RETURNING.
 */
export function writePrepared(
  prepared: PreparedTransition,
  kind: 'flow' | 'task',
  runId: string,
  transition: Transition,
  now: Date,
  current: Record<string, unknown>,
  whole: boolean,
): { row: Record<string, unknown>; state: State } {
  const stateId = uuidv7();
  const s = transition.state;
  // Built whole in one literal: spreads with a computed key made a slow object (issue 13).
  const stateValues: Record<string, unknown> = {
    id: stateId,
    created: now,
    updated: now,
    type: s.type,
    name: s.name,
    timestamp: s.timestamp,
    message: s.message,
    stateDetails: s.stateDetails,
    data: s.data,
  };
  stateValues[prepared.stateRunKey] = runId;
  const stateEncoded = encode(prepared.stateColumns, stateValues);
  prepared.insertState.run(stateEncoded);
  const values = runValues(transition.run, stateId, now);
  if (kind === 'task') values.flowRunRunCount ??= current.flowRunRunCount as number;
  const encoded = encode(prepared.runColumns, values);
  const mask = changedRunMask(prepared.runColumns, encoded, current);
  encoded.runId = runId;
  let row: Record<string, unknown>;
  if (whole) {
    const update = prepared.updateRun(mask);
    update.statement.run(encoded);
    row = writtenRun(prepared, current, update.keys, encoded);
  } else {
    row = prepared.updateRunReturning(mask).statement.all(encoded)[0] as Record<string, unknown>;
  }
  return { row, state: writtenState(prepared, stateEncoded) };
}

/** A driver value as its column decodes it when it reads it back; NULL stays null. */
const decoded = (column: AnyPgColumn, value: unknown) =>
  value === null ? null : column.mapFromDriverValue(value);

/**
 * The row `updateRun(keys)` leaves, from the whole row read under the lock (`current`, which it
 * becomes): each written column as its decoder reads back the value sent (SQLite stores it as sent:
 * TEXT for text, an integral REAL as INTEGER in an INTEGER column, so it reads back the same
 * number), the read's extra keys dropped. What `updateRunReturning` returns, generated columns aside.
 */
function writtenRun(
  prepared: PreparedTransition,
  current: Record<string, unknown>,
  keys: readonly string[],
  encoded: Record<string, unknown>,
): Record<string, unknown> {
  for (const key of keys) current[key] = decoded(prepared.runColumns[key]!, encoded[key]);
  for (const key of prepared.extraKeys) delete current[key];
  return current;
}

/** The state row `insertState` stored with `encoded`, as a read of it would decode it. */
function writtenState(prepared: PreparedTransition, encoded: Record<string, unknown>): State {
  const c = prepared.stateColumns;
  return {
    id: decoded(c.id!, encoded.id) as string,
    type: decoded(c.type!, encoded.type) as State['type'],
    name: decoded(c.name!, encoded.name) as string,
    timestamp: decoded(c.timestamp!, encoded.timestamp) as Date,
    message: decoded(c.message!, encoded.message) as string | null,
    stateDetails: decoded(c.stateDetails!, encoded.stateDetails) as State['stateDetails'],
    data: decoded(c.data!, encoded.data) as State['data'],
    created: decoded(c.created!, encoded.created) as Date,
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
  const mask = changedRunMask(columns, encoded, current);
  return Object.keys(columns).filter((_, i) => (mask & (1 << i)) !== 0);
}

/** `changedRunColumns` as a mask: bit i stands for the i-th key of `columns` (at most 31 keys). */
export function changedRunMask(
  columns: Record<string, AnyPgColumn>,
  encoded: Record<string, unknown>,
  current: Record<string, unknown>,
): number {
  let mask = 0;
  let bit = 1;
  for (const key in columns) {
    if (ALWAYS_WRITTEN.has(key) || !(key in current)) {
      mask |= bit;
    } else {
      const before = current[key];
      const old = before === null || before === undefined ? null : columns[key]!.mapToDriverValue(before);
      if (old !== encoded[key]) mask |= bit;
    }
    bit <<= 1;
  }
  return mask;
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
