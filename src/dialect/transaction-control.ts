import type { SQL } from 'drizzle-orm';
import { ValidationError } from '../errors.js';

/**
 * Statements that begin, end or cut a transaction. Run through `db.execute` they would end the
 * library's transaction behind its back (a later call would then autocommit on SQLite, or fail on
 * PostgreSQL): the library owns transactions, so they are refused.
 */
const TRANSACTION_CONTROL =
  /^(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i;

/** The text of a raw query up to its first parameter, without leading comments and white space. */
function leadingText(query: SQL | string): string {
  let text = typeof query === 'string' ? query : '';
  if (typeof query !== 'string') {
    const first = (query as unknown as { queryChunks: unknown[] }).queryChunks[0] as
      | { value?: unknown }
      | undefined;
    text = Array.isArray(first?.value) ? first.value.join('') : '';
  }
  return text.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)+/, '');
}

/** Throws ValidationError when a raw query would control the transaction itself. */
export function refuseTransactionControl(query: SQL | string): void {
  const match = TRANSACTION_CONTROL.exec(leadingText(query));
  if (match) {
    throw new ValidationError(
      `db.execute() does not run ${match[1]!.toUpperCase()}: transactions belong to db.transaction(fn), which begins, commits and rolls back for you`,
    );
  }
}
