/**
 * The statements that write scheduled runs (`scheduleRuns`, `scheduleDue`), as text built once per
 * row count, as `db.logs.createMany` does (logs/statements.ts). Measured: Drizzle took 0.5–0.7 ms
 * of JavaScript per run to build and compile the multi-row INSERTs of runs and states, so a
 * `scheduleRuns` of 10,000 runs held the event loop for 5 s on SQLite and 0.6–1.3 s at a time on
 * PostgreSQL (a fresh user's trial). Values go through each column's own `mapToDriverValue`, so the
 * driver gets what Drizzle would have sent it.
 */
import { type Column, getTableColumns, getTableName } from 'drizzle-orm';
import type { Dialect } from '../../dialect/dialect.js';
import { StatementTexts, placeholderTuples } from '../text-statements.js';

/** The flow_run columns a scheduled run sets; every other column takes its default. */
export const RUN_COLUMNS = [
  'id',
  'created',
  'updated',
  'name',
  'stateType',
  'stateName',
  'stateTimestamp',
  'expectedStartTime',
  'nextScheduledStartTime',
  'tags',
  'labels',
  'flowId',
  'deploymentId',
  'deploymentVersion',
  'workQueueId',
  'workQueueName',
  'parameters',
  'idempotencyKey',
  'jobVariables',
  'autoScheduled',
] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];

/** The flow_run_state columns of a run's first state; message and data stay null. */
export const STATE_COLUMNS = [
  'id',
  'created',
  'updated',
  'flowRunId',
  'type',
  'name',
  'timestamp',
  'stateDetails',
] as const;
export type StateColumn = (typeof STATE_COLUMNS)[number];

type TableName = 'flowRun' | 'flowRunState';

/** Statement texts by dialect, table and row count; a long schedule reuses its full statement's. */
const texts = new StatementTexts(16);

/** A column's value as the driver takes it (null stays null), by the column's own mapping. */
export function driverValue(dialect: Dialect, table: TableName, key: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const column = (getTableColumns(dialect.tables[table]) as Record<string, Column>)[key]!;
  return column.mapToDriverValue(value);
}

/**
 * `insert into <table> (<columns>) values (...), ... <tail>` for `rows` rows, in the dialect's
 * placeholders: the runs' with `on conflict (flow_id, idempotency_key) do nothing returning id`
 * (an instant another writer committed first is skipped, as before), the states' plain.
 */
export function insertText(dialect: Dialect, table: TableName, rows: number): string {
  return texts.get(`${dialect.name}:${table}:${rows}`, () => {
    const keys: readonly string[] = table === 'flowRun' ? RUN_COLUMNS : STATE_COLUMNS;
    const columns = getTableColumns(dialect.tables[table]) as Record<string, Column>;
    const name = (k: string) => `"${columns[k]!.name}"`;
    const into = `"${getTableName(dialect.tables[table])}" (${keys.map(name).join(', ')})`;
    const tail =
      table === 'flowRun'
        ? ` on conflict (${name('flowId')}, ${name('idempotencyKey')}) do nothing returning ${name('id')}`
        : '';
    return `insert into ${into} values ${placeholderTuples(dialect, rows, keys.length)}${tail}`;
  });
}
