/** The public interface of `db.logs` (docs/logs.md). */
import type { Log, LogCreate, LogListOptions, LogStreamOptions, LogWhere } from './logs.js';

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
export interface LogRepository {
  /**
   * Writes `logs` and resolves to how many were written. Every row is checked before any is
   * written: one bad row is a ValidationError naming its index and nothing is written. NUL
   * characters are stripped and lone surrogates replaced in messages and logger names (never an
   * error). Rows go in multi-row INSERTs within the driver's bind limit and 16 MB each, all in one
   * transaction (inside `db.transaction`, the caller's). Ids are UUIDv7, increasing in input order,
   * so logs with equal timestamps read back in the order they were given.
   * @example await db.logs.createMany([{ name: 'etl', level: 'INFO', message: 'started', flowRunId: run.id, timestamp: new Date() }]);
   */
  createMany(logs: readonly LogCreate[]): Promise<number>;
  /**
   * Logs matching `where`, in (timestamp, id) order (`sort`: TIMESTAMP_ASC, the default, or
   * TIMESTAMP_DESC), paged by `limit`/`offset` or by `after` (the last log of the previous page).
   * Keyset pages stay stable while logs keep arriving; a log that arrives later with a timestamp
   * before the cursor lands behind it and is not seen by later pages (docs/logs.md).
   * @example const page = await db.logs.list({ where: { flowRunId: { any: [run.id] } }, limit: 200 });
   */
  list(options?: LogListOptions): Promise<Log[]>;
  /**
   * How many logs match `where` (the filters of `list`).
   * @example const errors = await db.logs.count({ where: { level: { ge: 'ERROR' } } });
   */
  count(options?: { where?: LogWhere }): Promise<number>;
  /**
   * Every log matching `where`, in (timestamp, id) order, read in keyset pages of `batchSize`
   * (default 1,000): memory stays bounded by one page however many logs match, and no statement
   * stays open between pages. Begun inside a transaction, its pages are read in that transaction;
   * reading it after the transaction ended is a DatabaseError. Bad input throws at the call.
   *
   * ```ts
   * for await (const log of db.logs.stream({ flowRunId: { any: [runId] } }, { batchSize: 500 })) {
   *   process.stdout.write(`${log.timestamp.toISOString()} ${log.message}\n`);
   * }
   * ```
   */
  stream(where?: LogWhere, options?: LogStreamOptions): AsyncIterable<Log>;
  /**
   * Deletes logs with a timestamp strictly before `date` (a Date or an ISO string with an offset)
   * and resolves to how many it deleted. It deletes oldest first, at most 5,000 rows a statement,
   * each statement on its own, so it never holds one long transaction over millions of rows;
   * stopped midway, the oldest are gone. Inside `db.transaction` the batches run in the caller's
   * transaction as one atomic call. Concurrent calls delete each log once between them.
   * @example await db.logs.deleteBefore(new Date(Date.now() - 30 * 86_400_000));
   */
  deleteBefore(date: Date | string): Promise<number>;
}
