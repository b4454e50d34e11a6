/**
 * The SQL of `db.logs` reads, written as text with its parameters rather than built with Drizzle
 * (issue 9: a page of 200 logs at 1M rows, p50 ≤ 5 ms on PostgreSQL). Measured on this machine,
 * Drizzle took 140–370 µs to build and compile one log query — as long as PostgreSQL took to answer
 * it from the index — and its row mapping and our re-decoding of every cell added about as much
 * again. The filters are few and fixed (data-model.md "Logs"), so the text is assembled directly
 * and rows are read as arrays and turned into `Log`s here, once.
 *
 * The text query is a substring match, case-insensitive for ASCII letters only, the same on both
 * dialects (semantics.md §7); see `contains` for how each dialect spells it.
 */
import type { DialectName } from '../../dialect/dialect.js';
import type { Log } from '../../public/logs.js';
import { escapeLike } from '../../dialect/fragments.js';
import type { LogSort, ParsedLogWhere } from './inputs.js';
import type { TextQuery } from './text-query.js';

/** The columns every read selects, in the order `toLog` reads them. */
const COLUMNS =
  '"id", "created", "updated", "name", "level", "flow_run_id", "task_run_id", "message", "timestamp"';

/**
 * A time column (`timestamptz(3)`: whole milliseconds) as Unix milliseconds in a float8: a number
 * that becomes a `Date` at once, where the text of a timestamptz is a string parsed twice over (into
 * ISO, then into a `Date`), three per row — the largest allocation of a log page besides the message
 * (issue 9: constant memory). Aliased apart from the column, so ORDER BY still names the column and
 * its index.
 */
const epochMs = (column: string) => `round(extract(epoch from "${column}") * 1000)::float8 as "${column}_ms"`;

/** What the outermost SELECT returns, in COLUMNS order. */
const OUTPUT_COLUMNS: Record<DialectName, string> = {
  sqlite: COLUMNS,
  postgresql: `"id", ${epochMs('created')}, ${epochMs('updated')}, "name", "level", "flow_run_id", "task_run_id", "message", ${epochMs('timestamp')}`,
};

/** A statement as text, with its parameters as the driver binds them. */
export interface LogStatement {
  text: string;
  params: unknown[];
}

/** The parameters of one statement, numbered as the dialect writes placeholders. */
class Parameters {
  readonly values: unknown[] = [];
  constructor(readonly dialect: DialectName) {}

  /** The placeholder of `value`, added as the next parameter. */
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }

  /** A time as the column holds it: Unix milliseconds on SQLite, ISO text on PostgreSQL. */
  time(value: Date): string {
    return this.add(this.dialect === 'sqlite' ? value.getTime() : value.toISOString());
  }

  /**
   * `column` is one of `ids`, the list as one parameter read back as rows (semantics.md §2
   * "Lists"): any length of two or more shares one statement text and meets no bind limit. One id
   * is an equality: as a semi-join over the list PostgreSQL loses the (flow_run_id, timestamp)
   * order and may walk all logs by timestamp instead (as filters.ts anyOf does for the runs).
   */
  inIds(column: string, ids: readonly string[]): string {
    if (ids.length === 1) return `${column} = ${this.add(ids[0])}`;
    return this.dialect === 'sqlite'
      ? `${column} in (select value from json_each(${this.add(JSON.stringify(ids))}))`
      : `${column} in (select unnest(${this.add(`{${ids.join(',')}}`)}::text::uuid[]))`;
  }

  /**
   * `column` is not null and none of `ids`. On PostgreSQL an anti-join, not `<> all(...)`, which
   * it evaluates once per row and element.
   */
  notInIds(column: string, ids: readonly string[]): string {
    return this.dialect === 'sqlite'
      ? `(${column} is not null and ${column} not in (select value from json_each(${this.add(JSON.stringify(ids))})))`
      : `(${column} is not null and not exists (select 1 from unnest(${this.add(`{${ids.join(',')}}`)}::text::uuid[]) as orion_list(value) where orion_list.value = ${column}))`;
  }
}

type IdFilter = ParsedLogWhere['flowRunId'];

/** `column` is one of / none of the ids, or null / not null. */
function idConditions(p: Parameters, column: string, f: IdFilter): string[] {
  if (!f) return [];
  const out: string[] = [];
  if (f.any) {
    // One id: `=`, so PostgreSQL walks (flow_run_id, timestamp) in timestamp order.
    if (f.any.length === 0) out.push('1 = 0');
    else if (f.any.length === 1) out.push(`${column} = ${p.add(f.any[0])}`);
    else out.push(p.inIds(column, f.any));
  }
  if (f.notAny && f.notAny.length > 0) out.push(p.notInIds(column, f.notAny));
  if (f.isNull !== undefined) out.push(`${column} is ${f.isNull ? '' : 'not '}null`);
  return out;
}

/** Characters with a meaning in a PostgreSQL regular expression (ARE). */
const REGEX_SPECIAL = new Set([...'\\^$.|?*+()[]{}']);

/**
 * A PostgreSQL regular expression that finds `term` as a substring, ASCII letters in either case
 * and every other character as itself: `Err_1` becomes `[eE][rR][rR]_1`.
 */
export function asciiCaseInsensitiveRegex(term: string): string {
  let out = '';
  for (const c of term) {
    const lower = c >= 'A' && c <= 'Z' ? c.toLowerCase() : c;
    if (lower >= 'a' && lower <= 'z') out += `[${lower}${lower.toUpperCase()}]`;
    else out += REGEX_SPECIAL.has(c) ? `\\${c}` : c;
  }
  return out;
}

/**
 * `message` contains `term`, ASCII case-insensitively. SQLite's LIKE already folds ASCII letters
 * only. On PostgreSQL a case-sensitive regular expression with a class per ASCII letter
 * (`[eE][rR]…`): exact whatever the database's locale (ILIKE folds every letter the locale knows —
 * the Kelvin sign K matches `k` — and under a Turkish locale `I` does not fold to `i`), served by
 * the trigram index on `message`, and measured 30 times faster than folding the text with
 * `translate()` over 20 MB of messages (120 ms against 3.5 s).
 */
function contains(p: Parameters, term: string): string {
  if (p.dialect === 'sqlite') return `"message" like ${p.add(`%${escapeLike(term)}%`)} escape '\\'`;
  return `"message" ~ ${p.add(asciiCaseInsensitiveRegex(term))}`;
}

/** The text query: at least one included term (when there are any) and none of the excluded. */
function textConditions(p: Parameters, query: TextQuery): string[] {
  const out: string[] = [];
  if (query.include.length > 0) {
    const any = query.include.map((term) => contains(p, term));
    out.push(any.length === 1 ? any[0]! : `(${any.join(' or ')})`);
  }
  for (const term of query.exclude) out.push(`not ${contains(p, term)}`);
  return out;
}

/** The WHERE conditions of `where`, AND'ed by the caller. */
function whereConditions(p: Parameters, where: ParsedLogWhere | undefined): string[] {
  if (!where) return [];
  const out = [
    ...idConditions(p, '"flow_run_id"', where.flowRunId),
    ...idConditions(p, '"task_run_id"', where.taskRunId),
  ];
  if (where.level?.ge !== undefined) out.push(`"level" >= ${p.add(where.level.ge)}`);
  if (where.level?.le !== undefined) out.push(`"level" <= ${p.add(where.level.le)}`);
  if (where.timestamp?.after) out.push(`"timestamp" >= ${p.time(where.timestamp.after)}`);
  if (where.timestamp?.before) out.push(`"timestamp" <= ${p.time(where.timestamp.before)}`);
  if (where.text) out.push(...textConditions(p, where.text.query));
  return out;
}

/** A keyset cursor: the (timestamp, id) of the last log read. */
export interface LogCursor {
  timestamp: Date;
  id: string;
}

/**
 * Rows strictly after the cursor in the sort order: (timestamp, id) greater (ASC) or smaller
 * (DESC), with a plain bound on timestamp first so the timestamp indexes serve it.
 */
function afterCursor(p: Parameters, sort: LogSort, cursor: LogCursor): string {
  const [bound, strict] = sort === 'TIMESTAMP_DESC' ? ['<=', '<'] : ['>=', '>'];
  const at = p.time(cursor.timestamp);
  // The time twice, as two parameters: SQLite numbers `?` in order of appearance.
  return `("timestamp" ${bound} ${at} and ("timestamp" ${strict} ${p.time(cursor.timestamp)} or "id" ${strict} ${p.add(cursor.id)}))`;
}

/** ORDER BY timestamp, then id, in one direction (no NULLS clause, so either index direction serves). */
const ORDER = {
  TIMESTAMP_ASC: '"timestamp" asc, "id" asc',
  TIMESTAMP_DESC: '"timestamp" desc, "id" desc',
} as const;

export interface LogRead {
  where?: ParsedLogWhere;
  sort?: LogSort;
  after?: LogCursor;
  limit?: number;
  offset?: number;
  /**
   * Stop the page once this many bytes of messages are in it (always at least one log): `stream`
   * keeps its memory bounded by bytes as well as rows when messages are large (up to 1,000,000 bytes each).
   */
  maxMessageBytes?: number;
}

const where = (conditions: string[]) => (conditions.length === 0 ? '' : ` where ${conditions.join(' and ')}`);

/** `select … from log where … order by … limit … offset …`, sized by bytes when asked. */
export function selectLogs(dialect: DialectName, read: LogRead): LogStatement {
  const p = new Parameters(dialect);
  const sort = read.sort ?? 'TIMESTAMP_ASC';
  const conditions = whereConditions(p, read.where);
  if (read.after) conditions.push(afterCursor(p, sort, read.after));
  // Sized by bytes, the page is wrapped twice below, and only the outermost SELECT converts.
  const columns = read.maxMessageBytes === undefined ? OUTPUT_COLUMNS[dialect] : COLUMNS;
  let text = `select ${columns} from "log"${where(conditions)} order by ${ORDER[sort]}`;
  if (read.limit !== undefined) text += ` limit ${p.add(read.limit)}`;
  // SQLite needs a LIMIT before an OFFSET: -1 is none.
  else if (read.offset && dialect === 'sqlite') text += ' limit -1';
  if (read.offset) text += ` offset ${p.add(read.offset)}`;
  if (read.maxMessageBytes !== undefined) {
    // The bytes of messages before each row of the page; rows past the budget are dropped before
    // any message is sent (PostgreSQL reads octet_length from the TOAST header, not the text).
    const before = `sum(octet_length("message")) over (order by ${ORDER[sort]} rows between unbounded preceding and current row) - octet_length("message")`;
    text = `select ${OUTPUT_COLUMNS[dialect]} from (select ${COLUMNS}, ${before} as "orion_bytes_before" from (${text}) as "page") as "sized" where "orion_bytes_before" < ${p.add(read.maxMessageBytes)} order by ${ORDER[sort]}`;
  }
  return { text, params: p.values };
}

/** `select count(*) from log where …`. */
export function countLogs(dialect: DialectName, filter: ParsedLogWhere | undefined): LogStatement {
  const p = new Parameters(dialect);
  return { text: `select count(*) from "log"${where(whereConditions(p, filter))}`, params: p.values };
}

/** A time as both dialects' reads return it: Unix milliseconds (see `epochMs`). */
const toDate = (value: unknown): Date => new Date(value as number);

/** One row of `selectLogs`, in COLUMNS order, as a `Log`. */
export function toLog(row: readonly unknown[]): Log {
  return {
    id: row[0] as string,
    created: toDate(row[1]),
    updated: toDate(row[2]),
    name: row[3] as string,
    level: Number(row[4]),
    flowRunId: (row[5] as string | null) ?? null,
    taskRunId: (row[6] as string | null) ?? null,
    message: row[7] as string,
    timestamp: toDate(row[8]),
  };
}
