/**
 * `db.logs` (issue 9; api.md, data-model.md "Logs", semantics.md §2 and §7): bulk writes sized by
 * the driver's bind limit and by bytes, filtered reads with keyset paging, a stream in constant
 * memory, and retention in bounded batches. Logs carry no foreign keys: they may arrive before
 * their run. docs/logs.md is the user's guide.
 */
import { and, asc, inArray, lt } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import { uuidv7 } from '../schema/uuid.js';
import type { RepositoryContext } from './context.js';
import {
  DEFAULT_STREAM_BATCH,
  type LogListOptions,
  type LogStreamOptions,
  type LogWhere,
  deleteBeforeDate,
  logCount,
  logList,
  logWhere,
  streamOptions,
} from './logs/inputs.js';
import { type LogStatement, countLogs, selectLogs, toLog } from './logs/reads.js';
import { type LogCreate, checkLogRows } from './logs/rows.js';
import { explainTimeout, logStatementGroups } from './logs/sizing.js';
import { insertParameters, insertText } from './logs/statements.js';
import { parse } from './validation.js';
import type { Log } from '../public/logs.js';

/** Rows `deleteBefore` removes per statement. */
export const DELETE_BATCH = 5000;
/**
 * Bytes of messages one `stream` page holds at most (besides its row count): with 1,000,000-byte messages a
 * page of 1,000 rows would be a gigabyte.
 */
export const LOG_STREAM_PAGE_BYTES = 8 * 2 ** 20;

/** UTF-16 units of the logs' messages. */
function messageUnits(logs: readonly Log[]): number {
  let n = 0;
  for (const log of logs) n += log.message.length;
  return n;
}

/**
 * `db.logs`: `createMany`, `list`, `count`, `stream`, `deleteBefore` (docs/logs.md). Bad input is
 * a `ValidationError` naming the field (for `createMany`, `[index].field`) with nothing written;
 * a stream read after the transaction it began in ended is a `DatabaseError`.
 *
 * ```ts
 * await db.logs.createMany([
 *   { name: 'prefect.flow_runs', level: 'INFO', message: 'Finished', flowRunId: run.id, timestamp: new Date() },
 * ]);
 * const page = await db.logs.list({ where: { flowRunId: { any: [run.id] }, text: { query: 'error -retry' } }, limit: 200 });
 * const next = await db.logs.list({ where: { flowRunId: { any: [run.id] } }, limit: 200, after: page.at(-1) });
 * for await (const log of db.logs.stream({ level: { ge: 'ERROR' } })) console.log(log.message);
 * ```
 */
export class LogRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private get t() {
    return this.ctx.tables.log;
  }

  /**
   * Writes `logs` and resolves to how many were written. Every row is checked before any is
   * written: one bad row is a ValidationError naming its index and nothing is written. NUL
   * characters are stripped and lone surrogates replaced in messages and logger names (never an
   * error). Rows go in multi-row INSERTs within the driver's bind limit and 16 MB each (on
   * PostgreSQL also 256 KiB of messages each, for the trigram index), all in one transaction (inside
   * `db.transaction`, the caller's): a failure writes nothing. Ids are UUIDv7, increasing in input order,
   * so logs with equal timestamps read back in the order they were given.
   */
  async createMany(logs: readonly LogCreate[]): Promise<number> {
    const now = new Date();
    const rows = checkLogRows(logs, now);
    if (rows.length === 0) return 0;
    const ids = rows.map(() => uuidv7());
    const dialect = this.ctx.dialect;
    const groups = logStatementGroups(dialect, rows);
    // One transaction (a savepoint in the caller's): the statements are cut for the index's sake,
    // the batch stays all or nothing. The statement timeout applies to each statement.
    await this.ctx
      .transaction(async (q) => {
        let start = 0;
        for (const group of groups) {
          const params = insertParameters(dialect, group, ids.slice(start, start + group.length), now);
          start += group.length;
          await dialect.runText(q, insertText(dialect, group.length), params);
        }
      })
      .catch((error: unknown) => {
        throw explainTimeout(error, rows.length, groups.length);
      });
    return rows.length;
  }

  /**
   * Logs matching `where`, in (timestamp, id) order (`sort`: TIMESTAMP_ASC, the default, or
   * TIMESTAMP_DESC), paged by `limit`/`offset` or by `after` (the last log of the previous page).
   * Keyset pages stay stable while logs keep arriving; a log that arrives later with a timestamp
   * before the cursor lands behind it and is not seen by later pages (semantics.md §7).
   */
  async list(options: LogListOptions = {}): Promise<Log[]> {
    const o = parse(logList, options, 'log list options');
    return this.read(this.ctx, selectLogs(this.ctx.dialect.name, o));
  }

  /** How many logs match `where` (the filters of `list`). */
  async count(options: { where?: LogWhere } = {}): Promise<number> {
    const o = parse(logCount, options, 'log count options');
    const { text, params } = countLogs(this.ctx.dialect.name, o.where);
    const [row] = await this.ctx.run((q) => this.ctx.dialect.queryArrays(q, text, params));
    return Number(row?.[0] ?? 0);
  }

  /** The logs a statement of reads.ts selects. */
  private async read(ctx: RepositoryContext, { text, params }: LogStatement): Promise<Log[]> {
    const rows = await ctx.run((q) => ctx.dialect.queryArrays(q, text, params));
    const logs: Log[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) logs[i] = toLog(rows[i]!);
    return logs;
  }

  /**
   * Every log matching `where`, in (timestamp, id) order, read in keyset pages of `batchSize`
   * (default 1,000) and at most 8 MiB of messages (always at least one log): memory stays bounded by
   * one page however many logs match, and no statement stays open between pages. Begun inside a transaction, its pages are read in that transaction;
   * reading it after the transaction ended is a DatabaseError. Bad input throws at the call.
   *
   * ```ts
   * for await (const log of db.logs.stream({ flowRunId: { any: [runId] } }, { batchSize: 500 })) {
   *   process.stdout.write(`${log.timestamp.toISOString()} ${log.message}\n`);
   * }
   * ```
   */
  stream(where: LogWhere = {}, options: LogStreamOptions = {}): AsyncIterable<Log> {
    const w = parse(logWhere, where, 'log filter');
    const o = parse(streamOptions, options, 'log stream options');
    const ctx = this.ctx.pinned();
    const batchSize = o.batchSize ?? DEFAULT_STREAM_BATCH;
    const page = (after: Log | undefined) =>
      this.read(
        ctx,
        selectLogs(ctx.dialect.name, {
          where: w,
          sort: o.sort,
          after,
          limit: batchSize,
          maxMessageBytes: LOG_STREAM_PAGE_BYTES,
        }),
      );
    return {
      async *[Symbol.asyncIterator]() {
        let last: Log | undefined;
        for (;;) {
          const rows = await page(last);
          if (rows.length === 0) return;
          yield* rows;
          // A short page is the last one, unless its byte budget cut it: that takes at least
          // LOG_STREAM_PAGE_BYTES of messages, and a UTF-16 unit is at most 3 bytes of UTF-8.
          if (rows.length < batchSize && messageUnits(rows) * 3 < LOG_STREAM_PAGE_BYTES) return;
          last = rows[rows.length - 1];
        }
      },
    };
  }

  /**
   * Deletes logs with a timestamp strictly before `date` (a Date or an ISO string with an offset)
   * and resolves to how many it deleted. It deletes oldest first, at most 5,000 rows a statement,
   * each statement on its own, so it never holds one long transaction over millions of rows;
   * stopped midway, the oldest are gone. Inside `db.transaction` the batches run in the caller's
   * transaction as one atomic call. Concurrent calls delete each log once between them.
   */
  async deleteBefore(date: Date | string): Promise<number> {
    const cutoff = parse(deleteBeforeDate, date, 'deleteBefore date');
    const t = this.t;
    const batch = async (q: Executor) => {
      const oldest = q
        .select({ id: t.id })
        .from(t)
        .where(lt(t.timestamp, cutoff))
        .orderBy(asc(t.timestamp))
        .limit(DELETE_BATCH);
      const rows = await q
        .delete(t)
        .where(and(inArray(t.id, oldest), lt(t.timestamp, cutoff)))
        .returning({ id: t.id });
      return rows.length;
    };
    // Stop on an empty batch, not a short one: a batch that a concurrent call emptied is short
    // while older logs may remain; the call that deleted them goes on.
    const all = async (next: () => Promise<number>) => {
      let total = 0;
      for (let deleted = await next(); deleted > 0; deleted = await next()) total += deleted;
      return total;
    };
    // Inside a caller's transaction the call is one unit of its queue (semantics.md §1): a call
    // made meanwhile must not run between two of its batches.
    if (this.ctx.inTransaction()) return this.ctx.transaction((q) => all(() => batch(q)));
    return all(() => this.ctx.run(batch));
  }
}

// The public shape (src/public/) is the one definition.
export type { Log };
