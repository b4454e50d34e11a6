import type { SQL } from 'drizzle-orm';
import { ValidationError } from '../errors.js';

/**
 * Statements that begin, end or cut a transaction. Run through `db.execute` they would end the
 * library's transaction behind its back (a later call would then autocommit on SQLite, or fail on
 * PostgreSQL): the library owns transactions, so they are refused — as the first statement of the
 * text or any later one (PostgreSQL runs a parameterless text of several statements at once).
 */
const TRANSACTION_CONTROL =
  /^(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i;

/** Comments, quoted strings and identifiers, and dollar-quoted bodies: text that is not statements. */
const NOT_CODE =
  /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g;

/** The SQL text of a raw query, with its parameters as placeholders. */
function textOf(query: SQL | string): string {
  if (typeof query === 'string') return query;
  const chunks = (query as unknown as { queryChunks: unknown[] }).queryChunks;
  return chunks
    .map((chunk) => {
      const value = (chunk as { value?: unknown }).value;
      return Array.isArray(value) ? value.join('') : ' ? ';
    })
    .join('');
}

/** Throws ValidationError when a raw query would control the transaction itself. */
export function refuseTransactionControl(query: SQL | string): void {
  const statements = textOf(query).replace(NOT_CODE, ' ').split(';');
  for (const statement of statements) {
    const match = TRANSACTION_CONTROL.exec(statement.trim());
    if (match) {
      throw new ValidationError(
        `db.execute() does not run ${match[1]!.toUpperCase()}: transactions belong to db.transaction(fn), which begins, commits and rolls back for you`,
      );
    }
  }
}
