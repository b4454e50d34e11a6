/** Filters and options of `db.logs` reads (api.md "Shapes", data-model.md "Logs", semantics.md §7). */
import { z } from 'zod';
import { idFilter } from '../filters.js';
import {
  boundedString,
  limit,
  offset,
  parseTime,
  time,
  timeLowerBound,
  uuid,
  wholeNumber,
} from '../validation.js';
import type { LogLevel } from '../../public/logs.js';
import { LEVEL_PROBLEM, levelNumber } from './rows.js';
import { MAX_LOG_QUERY_CHARS, MAX_LOG_QUERY_TERMS, parseTextQuery } from './text-query.js';

/** The smallest UUID: a cursor id that every stored id follows. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** A level in a filter: an integer 0–100 or a level name (LogLevel), as a number. */
const level = z
  .custom<LogLevel>(() => true)
  .transform((value, ctx) => {
    const n = levelNumber(value);
    if (n === undefined) {
      ctx.addIssue({ code: 'custom', message: LEVEL_PROBLEM });
      return z.NEVER;
    }
    return n;
  });

// Like every field but log messages, the query refuses NUL and lone surrogates (semantics.md §2):
// SQLite's LIKE would cut the pattern at a NUL, and PostgreSQL refuses the byte.
/** The text query, parsed; more than 50 terms or 1,000 characters is refused. */
const textQuery = boundedString({ maxChars: MAX_LOG_QUERY_CHARS }).transform((query, ctx) => {
  const parsed = parseTextQuery(query);
  const terms = parsed.include.length + parsed.exclude.length;
  if (terms > MAX_LOG_QUERY_TERMS) {
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_LOG_QUERY_TERMS} terms (got ${terms})` });
    return z.NEVER;
  }
  return parsed;
});

export const logWhere = z.strictObject({
  flowRunId: idFilter.optional(),
  taskRunId: idFilter.optional(),
  level: z.strictObject({ ge: level.optional(), le: level.optional() }).optional(),
  timestamp: z.strictObject({ before: time.optional(), after: timeLowerBound.optional() }).optional(),
  text: z.strictObject({ query: textQuery }).optional(),
});

/**
 * Which logs to read: `flowRunId` / `taskRunId` (`{ any, notAny, isNull }`), `level: { ge, le }`
 * (numbers or names), `timestamp: { before, after }` (inclusive), `text: { query }`.
 */
export type LogWhere = z.input<typeof logWhere>;
export type ParsedLogWhere = z.output<typeof logWhere>;

export const LOG_SORTS = ['TIMESTAMP_ASC', 'TIMESTAMP_DESC'] as const;
/** `TIMESTAMP_ASC` (the default) or `TIMESTAMP_DESC`; ties by id in the same direction. */
export type LogSort = (typeof LOG_SORTS)[number];

/**
 * A keyset cursor: the (timestamp, id) of the last log of the previous page. Other keys are
 * ignored, so the log itself can be handed back.
 */
const cursor = z.object({ timestamp: z.custom<Date | string>(() => true), id: uuid }).transform((c, ctx) => {
  const down = parseTime(c.timestamp, 'down');
  if ('problem' in down) {
    ctx.addIssue({ code: 'custom', message: down.problem, path: ['timestamp'] });
    return z.NEVER;
  }
  const up = parseTime(c.timestamp, 'up');
  // Logs are stored to the millisecond: a cursor inside a millisecond sits after every log of the
  // one before and before every log of the next, which (next millisecond, the smallest id) says in
  // both sort orders.
  if ('date' in up && up.date.getTime() !== down.date.getTime()) return { timestamp: up.date, id: NIL_UUID };
  return { timestamp: down.date, id: c.id };
});

export const logList = z.strictObject({
  where: logWhere.optional(),
  sort: z.enum(LOG_SORTS).optional(),
  limit: limit.optional(),
  offset: offset.optional(),
  after: cursor.optional(),
});

/**
 * `list` options. `after` (the last log of the previous page) gives pages that stay stable while
 * logs keep arriving: rows strictly after it in the sort order. `offset` may be combined with it.
 */
export type LogListOptions = z.input<typeof logList>;
export type ParsedLogList = z.output<typeof logList>;

export const logCount = z.strictObject({ where: logWhere.optional() });

/** The largest page `stream` reads at once. */
export const MAX_STREAM_BATCH = 10_000;
export const DEFAULT_STREAM_BATCH = 1000;

export const streamOptions = z.strictObject({
  batchSize: wholeNumber(1, MAX_STREAM_BATCH).optional(),
  sort: z.enum(LOG_SORTS).optional(),
});

/** `stream` options: rows per page read (1–10,000, default 1,000) and the order. */
export type LogStreamOptions = z.input<typeof streamOptions>;

/** `deleteBefore`'s date: strictly before it, so a date inside a millisecond rounds up. */
export const deleteBeforeDate = timeLowerBound;
