/** Logs (docs/logs.md). */
import type { IdFilter } from './filters.js';

/** A stored log. */
export interface Log {
  id: string;
  created: Date;
  updated: Date;
  /** The logger's name. */
  name: string;
  /** 0–100 (10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL). */
  level: number;
  flowRunId: string | null;
  taskRunId: string | null;
  message: string;
  timestamp: Date;
}

/** One log as `createMany` takes it. */
export interface LogCreate {
  /** The logger's name (`prefect.flow_runs`): at most 1,024 characters; NUL stripped, lone surrogates replaced. */
  name: string;
  /** An integer 0–100, or DEBUG, INFO, WARNING, ERROR, CRITICAL (10–50) in upper, lower or capitalised case. */
  level: LogLevel;
  /** The text: at most 1,000,000 bytes of UTF-8 (`MAX_TEXT_BYTES`); NUL stripped, lone surrogates replaced by U+FFFD. */
  message: string;
  /** When it was logged: a `Date` or an ISO-8601 string with an offset; now when missing. */
  timestamp?: string | Date | undefined;
  /** The flow run it belongs to; it need not exist (yet): logs carry no foreign keys. */
  flowRunId?: string | null | undefined;
  /** The task run it belongs to; it need not exist (yet). */
  taskRunId?: string | null | undefined;
}

export type LogLevelName = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
/**
 * A level as `createMany` and the filters take it: an integer 0–100, or a level name written
 * `WARNING`, `warning` or `Warning` (other mixes of case are refused, so the type and the runtime
 * check agree).
 */
export type LogLevel = number | LogLevelName | Lowercase<LogLevelName> | Capitalize<Lowercase<LogLevelName>>;

/**
 * `list` options. `after` (the last log of the previous page) gives pages that stay stable while
 * logs keep arriving: rows strictly after it in the sort order. `offset` may be combined with it.
 */
export interface LogListOptions {
  where?:
    | {
        flowRunId?: IdFilter | undefined;
        taskRunId?: IdFilter | undefined;
        level?: { ge?: LogLevel | undefined; le?: LogLevel | undefined } | undefined;
        timestamp?: { before?: string | Date | undefined; after?: string | Date | undefined } | undefined;
        text?: { query: string } | undefined;
      }
    | undefined;
  sort?: 'TIMESTAMP_ASC' | 'TIMESTAMP_DESC' | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  after?: { timestamp: string | Date; id: string } | undefined;
}

/** `TIMESTAMP_ASC` (the default) or `TIMESTAMP_DESC`; ties by id in the same direction. */
export type LogSort = 'TIMESTAMP_ASC' | 'TIMESTAMP_DESC';

/** `stream` options: rows per page read (1–10,000, default 1,000) and the order. */
export interface LogStreamOptions {
  batchSize?: number | undefined;
  sort?: 'TIMESTAMP_ASC' | 'TIMESTAMP_DESC' | undefined;
}

/**
 * Which logs to read: `flowRunId` / `taskRunId` (`{ any, notAny, isNull }`), `level: { ge, le }`
 * (numbers or names), `timestamp: { before, after }` (inclusive), `text: { query }`.
 */
export interface LogWhere {
  flowRunId?: IdFilter | undefined;
  taskRunId?: IdFilter | undefined;
  level?: { ge?: LogLevel | undefined; le?: LogLevel | undefined } | undefined;
  timestamp?: { before?: string | Date | undefined; after?: string | Date | undefined } | undefined;
  text?: { query: string } | undefined;
}
