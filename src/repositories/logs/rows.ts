/**
 * The row check of `db.logs.createMany` (issue 9, semantics.md §2 "Strings" and §7). Logs arrive in
 * batches of many thousands, so each row is checked by hand rather than by a zod parse (measured:
 * an equivalent zod schema took about twice as long over 100,000 rows). The rules are the same as the
 * validation layer's: ids are UUIDs, times go through `parseTime`, names are at most 1,024
 * characters; messages and logger names are cleaned instead of refused (NUL stripped, lone
 * surrogates replaced) so that one bad line never fails a batch.
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import { MAX_NAME_CHARS, MAX_TEXT_BYTES, charCount, formatPath, parseTime } from '../validation.js';
import type { LogCreate } from '../../public/logs.js';

/** Prefect's (and Python's) level names and their numbers (semantics.md §7). */
export const LOG_LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;
/** The highest level a log may have; the lowest is 0. */
export const MAX_LOG_LEVEL = 100;
/** A message is at most this many bytes of UTF-8 (after cleaning). */
export const MAX_LOG_MESSAGE_BYTES = MAX_TEXT_BYTES;

/** A checked row, ready for the insert. */
export interface LogRow {
  name: string;
  level: number;
  message: string;
  timestamp: Date;
  flowRunId: string | null;
  taskRunId: string | null;
  /** UTF-8 bytes of name and message, for sizing statements. */
  bytes: number;
  /** UTF-8 bytes of the message alone: the text PostgreSQL's trigram index reads. */
  messageBytes: number;
}

const KEYS = new Set(['name', 'level', 'message', 'timestamp', 'flowRunId', 'taskRunId']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** More issues than this are counted, not listed: 100,000 bad rows must not build a huge error. */
const MAX_ISSUES = 100;

/** ES2024's String methods (Node 20 has them; the project's TypeScript lib is ES2023). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Removes NUL characters and replaces lone UTF-16 surrogates with U+FFFD: what PostgreSQL cannot
 * store, and what the drivers would each replace differently (semantics.md §2 "Strings").
 */
export function cleanLogText(value: string): string {
  const noNul = (value.includes('\0') ? value.replaceAll('\0', '') : value) as string & WellFormed;
  return noNul.isWellFormed() ? noNul : noNul.toWellFormed();
}

/**
 * A level as a number: an integer 0–100 or a level name in upper, lower or capitalised case (see
 * LogLevel); undefined when it is neither.
 */
export function levelNumber(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= MAX_LOG_LEVEL ? value : undefined;
  }
  if (typeof value === 'string') {
    const upper = value.toUpperCase();
    if (!Object.hasOwn(LOG_LEVELS, upper)) return undefined;
    const lower = upper.toLowerCase();
    const written = value === upper || value === lower || value === upper[0] + lower.slice(1);
    return written ? LOG_LEVELS[upper as LogLevelName] : undefined;
  }
  return undefined;
}

export const LEVEL_PROBLEM = `must be an integer 0–${MAX_LOG_LEVEL} or one of ${Object.keys(LOG_LEVELS).join(', ')} (upper, lower or capitalised case)`;

function optionalId(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : undefined;
}

/**
 * Checks and cleans every row; throws one ValidationError listing the first problems (with their
 * index) when any row is bad, so that nothing is written.
 */
export function checkLogRows(input: unknown, now: Date): LogRow[] {
  if (!Array.isArray(input)) {
    throw new ValidationError('Invalid logs: must be an array of logs', [
      { path: [], message: 'must be an array of logs' },
    ]);
  }
  const issues: ValidationIssue[] = [];
  let problems = 0;
  const flag = (path: (string | number)[], message: string) => {
    problems += 1;
    if (issues.length < MAX_ISSUES) issues.push({ path, message });
  };
  const rows: LogRow[] = new Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const row = checkRow(input[i], i, now, flag);
    if (row) rows[i] = row;
  }
  if (problems > 0) {
    const summary = issues
      .slice(0, 3)
      .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
      .join('; ');
    throw new ValidationError(
      `Invalid logs (nothing was written): ${summary}${problems > 3 ? ` (+${problems - 3} more)` : ''}`,
      issues,
    );
  }
  return rows;
}

function checkRow(
  value: unknown,
  i: number,
  now: Date,
  flag: (path: (string | number)[], message: string) => void,
): LogRow | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    flag([i], 'must be a log object ({ name, level, message, ... })');
    return undefined;
  }
  const v = value as Record<string, unknown>;
  let ok = true;
  const bad = (key: string, message: string) => {
    flag([i, key], message);
    ok = false;
  };
  for (const key in v) if (!KEYS.has(key)) bad(key, 'is not a log field');
  const level = levelNumber(v.level);
  if (level === undefined) bad('level', LEVEL_PROBLEM);
  let name = '';
  if (typeof v.name !== 'string') bad('name', 'must be a string');
  else {
    name = cleanLogText(v.name);
    if (name.length > MAX_NAME_CHARS && charCount(name) > MAX_NAME_CHARS) {
      bad('name', `at most ${MAX_NAME_CHARS} characters (got ${charCount(name)})`);
    }
  }
  let message = '';
  let messageBytes = 0;
  if (typeof v.message !== 'string') bad('message', 'must be a string');
  else {
    message = cleanLogText(v.message);
    messageBytes = Buffer.byteLength(message, 'utf8');
    if (messageBytes > MAX_LOG_MESSAGE_BYTES) {
      bad('message', `at most ${MAX_LOG_MESSAGE_BYTES} bytes of UTF-8 (got ${messageBytes})`);
    }
  }
  let timestamp = now;
  if (v.timestamp !== undefined) {
    const parsed = parseTime(v.timestamp);
    if ('problem' in parsed) bad('timestamp', parsed.problem);
    else timestamp = parsed.date;
  }
  const flowRunId = optionalId(v.flowRunId);
  if (flowRunId === undefined) bad('flowRunId', 'must be a UUID or null');
  const taskRunId = optionalId(v.taskRunId);
  if (taskRunId === undefined) bad('taskRunId', 'must be a UUID or null');
  if (!ok) return undefined;
  return {
    name,
    level: level!,
    message,
    timestamp,
    flowRunId: flowRunId!,
    taskRunId: taskRunId!,
    // An upper estimate is enough for sizing: 3 bytes a UTF-16 unit for the name.
    bytes: messageBytes + name.length * 3,
    messageBytes,
  };
}

// The public shape (src/public/) is the one definition.
export type { LogCreate };
