/**
 * The SQL of `db.logs`: the multi-row INSERT, written as text once per row count (measured: Drizzle
 * took ~500 ms to build and compile one INSERT of 3,640 logs, three times what createMany takes to
 * check and insert them into an in-memory SQLite database), and the conditions of reads.
 */
import { type SQL, and, asc, desc, eq, getTableColumns, gt, gte, lt, lte, or } from 'drizzle-orm';
import type { Dialect } from '../../dialect/dialect.js';
import { idConditions } from '../filters.js';
import type { LogRow } from './rows.js';
import { textQueryCondition } from './text-query.js';
import type { LogSort, ParsedLogList, ParsedLogWhere } from './inputs.js';

type LogTable = Dialect['tables']['log'];

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
const texts = new Map<string, string>();
const MAX_TEXTS = 16;

/** `insert into "log" (...) values (...), ...` for `rows` rows, in the dialect's placeholders. */
export function insertText(dialect: Dialect, rows: number): string {
  const key = `${dialect.name}:${rows}`;
  let text = texts.get(key);
  if (text !== undefined) return text;
  const columns = getTableColumns(dialect.tables.log);
  const names = INSERT_COLUMNS.map((c) => `"${columns[c].name}"`).join(', ');
  const tuples: string[] = new Array(rows);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const values: string[] = new Array(INSERT_COLUMNS.length);
    for (let c = 0; c < INSERT_COLUMNS.length; c++) values[c] = dialect.fragments.placeholder(++n);
    tuples[r] = `(${values.join(', ')})`;
  }
  text = `insert into "log" (${names}) values ${tuples.join(', ')}`;
  if (texts.size >= MAX_TEXTS) texts.delete(texts.keys().next().value!);
  texts.set(key, text);
  return text;
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

/** `column` is one of `ids`: `=` for one id, so PostgreSQL walks (flow_run_id, timestamp) in order. */
function idCondition(
  dialect: Dialect,
  column: LogTable['flowRunId'],
  filter: ParsedLogWhere['flowRunId'],
): SQL[] {
  if (filter?.any?.length === 1) {
    const { any, ...rest } = filter;
    return [eq(column, any[0]!), ...idConditions(column, rest, dialect.fragments)];
  }
  return idConditions(column, filter, dialect.fragments);
}

/** The WHERE of a read: every filter given, AND'ed. */
export function whereConditions(dialect: Dialect, where: ParsedLogWhere | undefined): SQL[] {
  if (!where) return [];
  const t = dialect.tables.log;
  const out: (SQL | undefined)[] = [
    ...idCondition(dialect, t.flowRunId, where.flowRunId),
    ...idCondition(dialect, t.taskRunId, where.taskRunId),
  ];
  if (where.level?.ge !== undefined) out.push(gte(t.level, where.level.ge));
  if (where.level?.le !== undefined) out.push(lte(t.level, where.level.le));
  if (where.timestamp?.after) out.push(gte(t.timestamp, where.timestamp.after));
  if (where.timestamp?.before) out.push(lte(t.timestamp, where.timestamp.before));
  if (where.text) out.push(textQueryCondition(dialect.name, t.message, where.text.query));
  return out.filter((c): c is SQL => c !== undefined);
}

/**
 * Rows strictly after the cursor in the sort order: (timestamp, id) greater (ASC) or smaller
 * (DESC). Spelled with a plain bound on timestamp first, so the timestamp indexes serve it.
 */
export function afterCursor(t: LogTable, sort: LogSort, cursor: NonNullable<ParsedLogList['after']>): SQL {
  const { timestamp, id } = cursor;
  if (sort === 'TIMESTAMP_DESC') {
    return and(lte(t.timestamp, timestamp), or(lt(t.timestamp, timestamp), lt(t.id, id)))!;
  }
  return and(gte(t.timestamp, timestamp), or(gt(t.timestamp, timestamp), gt(t.id, id)))!;
}

/**
 * ORDER BY timestamp, then id, in one direction. Plain ASC/DESC (no NULLS clause: the column is NOT
 * NULL) so that PostgreSQL can read the timestamp indexes in either direction.
 */
export function logOrder(t: LogTable, sort: LogSort = 'TIMESTAMP_ASC'): SQL[] {
  return sort === 'TIMESTAMP_DESC' ? [desc(t.timestamp), desc(t.id)] : [asc(t.timestamp), asc(t.id)];
}
