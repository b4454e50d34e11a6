/**
 * How `db.logs.createMany` cuts a batch into statements (docs/logs.md "What a batch costs"). Every
 * statement stays within the driver's bind limit and 16 MB of values, and on PostgreSQL also within
 * LOG_STATEMENT_TEXT_BYTES of message text: the trigram GIN index on `message` costs time per
 * distinct trigram of each row, so a statement of 7,281 rows of random 300-character text (2 MB)
 * took longer than the 10 s statement timeout on a loaded machine, and a retry failed the same way.
 */
import { DatabaseError } from '../../errors.js';
import { unwrap } from '../../dialect/map-error.js';
import type { Dialect } from '../../dialect/dialect.js';
import { MAX_STATEMENT_BYTES } from '../batches.js';
import type { LogRow } from './rows.js';
import { LOG_INSERT_PARAMETERS } from './statements.js';

/** What a statement adds per row besides its texts: placeholders, separators, ids and times. */
const ROW_OVERHEAD_BYTES = 256;

/**
 * Bytes of message text one PostgreSQL INSERT of logs carries at most (a longer message goes alone).
 * Measured on PostgreSQL 15 under load average 15 (2 cores): 256 KiB of random 300-character
 * messages (874 rows) took 1.4–2.8 s to insert and index with the index's default fastupdate, one
 * random 1,000,000-byte message 0.7–2.3 s; 1 MiB of such rows took 7.9 s. Ordinary log lines
 * (fewer distinct trigrams) cost less per byte.
 */
export const LOG_STATEMENT_TEXT_BYTES = 256 * 1024;

/**
 * `rows` in consecutive groups, in order, one INSERT each: within the bind limit, 16 MB of values,
 * and on PostgreSQL LOG_STATEMENT_TEXT_BYTES of messages (SQLite has no trigram index).
 */
export function logStatementGroups(dialect: Dialect, rows: readonly LogRow[]): LogRow[][] {
  const maxRows = Math.max(1, Math.floor(dialect.capabilities.maxParameters / LOG_INSERT_PARAMETERS));
  const maxText = dialect.name === 'sqlite' ? Number.POSITIVE_INFINITY : LOG_STATEMENT_TEXT_BYTES;
  const out: LogRow[][] = [];
  let current: LogRow[] = [];
  let bytes = 0;
  let text = 0;
  for (const row of rows) {
    const weight = row.bytes + ROW_OVERHEAD_BYTES;
    const full =
      current.length >= maxRows || bytes + weight > MAX_STATEMENT_BYTES || text + row.messageBytes > maxText;
    if (current.length > 0 && full) {
      out.push(current);
      current = [];
      bytes = 0;
      text = 0;
    }
    current.push(row);
    bytes += weight;
    text += row.messageBytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * A statement timeout (57014) in createMany, said with what to do: each statement is already sized
 * so that indexing it takes seconds at most, so the server is slower than that (load, a large index)
 * or the timeout is short. Still a retryable DatabaseError; other errors pass through.
 */
export function explainTimeout(error: unknown, rows: number, statements: number): unknown {
  if (!(error instanceof DatabaseError)) return error;
  const driver = unwrap(error.cause);
  if (driver?.code !== '57014') return error;
  // The timeout does not say what the statement waited for: a lock on the log table held by another
  // transaction (a trial's `LOCK TABLE log`) ends the same way as slow indexing.
  return new DatabaseError(
    `db.logs.createMany: one of its ${statements} INSERT statements (${rows} logs, at most ` +
      `${LOG_STATEMENT_TEXT_BYTES / 1024} KiB of messages each) ran past the statement timeout and nothing was written. ` +
      'It waited for a lock another transaction holds on the log table, or indexing message text (the trigram ' +
      'index) took longer than the timeout allows on this server: raise the statement timeout (ORION_DATABASE_TIMEOUT ' +
      'or timeoutSeconds, 10 s by default), or send smaller batches when the server is loaded. ' +
      `(PostgreSQL error 57014: ${driver.message})`,
    { cause: error.cause, retryable: true },
  );
}
