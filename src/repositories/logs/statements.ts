/**
 * The INSERT of `db.logs.createMany`, written as text once per row count (measured: Drizzle took
 * ~500 ms to build and compile one INSERT of 3,640 logs, three times what createMany takes to check
 * and insert them into an in-memory SQLite database). Reads are in reads.ts.
 */
import { getTableColumns } from 'drizzle-orm';
import type { Dialect } from '../../dialect/dialect.js';
import { StatementTexts, placeholderTuples } from '../text-statements.js';
import type { LogRow } from './rows.js';

/** Columns in the order the INSERT lists them (every column of the table). */
const INSERT_COLUMNS = [
  'id',
  'created',
  'updated',
  'name',
  'level',
  'flowRunId',
  'taskRunId',
  'message',
  'timestamp',
] as const;
export const LOG_INSERT_PARAMETERS = INSERT_COLUMNS.length;

/** Statement texts by dialect and row count; a bulk load reuses one (its full batch size). */
const texts = new StatementTexts(16);

/** `insert into "log" (...) values (...), ...` for `rows` rows, in the dialect's placeholders. */
export function insertText(dialect: Dialect, rows: number): string {
  return texts.get(`${dialect.name}:${rows}`, () => {
    const columns = getTableColumns(dialect.tables.log);
    const names = INSERT_COLUMNS.map((c) => `"${columns[c].name}"`).join(', ');
    return `insert into "log" (${names}) values ${placeholderTuples(dialect, rows, INSERT_COLUMNS.length)}`;
  });
}

/**
 * The parameters of `rows` in INSERT_COLUMNS order, as the driver takes them: SQLite stores times
 * as Unix milliseconds; PostgreSQL reads ISO strings (the column gives their type).
 */
export function insertParameters(
  dialect: Dialect,
  rows: readonly LogRow[],
  ids: readonly string[],
  now: Date,
): unknown[] {
  const sqlite = dialect.name === 'sqlite';
  const time = sqlite ? (d: Date) => d.getTime() : (d: Date) => d.toISOString();
  const stamp = time(now);
  const out: unknown[] = new Array(rows.length * INSERT_COLUMNS.length);
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    out[n++] = ids[i];
    out[n++] = stamp;
    out[n++] = stamp;
    out[n++] = row.name;
    out[n++] = row.level;
    out[n++] = row.flowRunId;
    out[n++] = row.taskRunId;
    out[n++] = row.message;
    out[n++] = time(row.timestamp);
  }
  return out;
}
