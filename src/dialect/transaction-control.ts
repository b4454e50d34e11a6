import { SQL, is, sql } from 'drizzle-orm';
import { ValidationError } from '../errors.js';

/**
 * Statements that begin, end or cut a transaction. Run through `db.execute` they would end the
 * library's transaction behind its back (a later call would then autocommit on SQLite, or fail on
 * PostgreSQL): the library owns transactions, so they are refused — as the first statement of the
 * text or any later one (PostgreSQL runs a parameterless text of several statements at once).
 */
const TRANSACTION_CONTROL =
  /^(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i;

/**
 * Comments, quoted strings and identifiers (SQLite's `[x]` and backticks too, and PostgreSQL array
 * subscripts, which hold no `;`), PostgreSQL escape strings (`E'it\'s'`) and dollar-quoted bodies:
 * text that is not statements, so a `;` or a keyword in them counts for nothing. A `$` or an `E`
 * that ends a word (`a$b$`, `name'`) starts neither.
 */
const NOT_CODE =
  /--[^\n]*|\/\*[\s\S]*?\*\/|(?<![\w$])[eE]'(?:[^'\\]|\\[\s\S]|'')*'|'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|(?<![\w$])\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g;

/**
 * CREATE statements whose body is a list of statements between BEGIN and END: SQLite's `CREATE
 * TRIGGER … BEGIN …; END` and PostgreSQL's `CREATE FUNCTION|PROCEDURE … BEGIN ATOMIC …; END`.
 */
const COMPOUND_CREATE =
  /^\s*create\s+(or\s+replace\s+)?((temp|temporary)\s+)?(trigger|function|procedure)\b/i;
const BLOCK_WORDS = /\b(begin|case|end)\b/gi;

/**
 * Where the body of a compound CREATE ends in `code` (comments and strings blanked): just after
 * the END that closes its first BEGIN, CASE … END expressions inside counted; undefined for any
 * other text, or a body never closed (the driver then reports it).
 */
function compoundBodyEnd(code: string): number | undefined {
  if (!COMPOUND_CREATE.test(code)) return undefined;
  let depth = 0;
  for (const match of code.matchAll(BLOCK_WORDS)) {
    const word = match[1]!.toLowerCase();
    if (depth === 0 && word !== 'begin') continue;
    depth += word === 'end' ? -1 : 1;
    if (depth === 0) return match.index + match[0].length;
  }
  return undefined;
}

/**
 * The SQL text of a raw query, with its parameters as placeholders. A drizzle `sql` template's
 * chunks are its text (`{ value: string[] }`), nested templates (`sql.raw`, `sql\`...\``), whose
 * text counts too, and the values interpolated, which may be anything, `null` and `undefined`
 * included (a bare TypeError here before, found by a fresh-user trial).
 */
function textOf(query: SQL | string): string {
  if (typeof query === 'string') return query;
  const chunks = (query as unknown as { queryChunks: unknown[] }).queryChunks;
  return chunks
    .map((chunk) => {
      if (chunk === null || typeof chunk !== 'object') return ' ? ';
      if (Array.isArray((chunk as { queryChunks?: unknown }).queryChunks)) return textOf(chunk as SQL);
      const value = (chunk as { value?: unknown }).value;
      return Array.isArray(value) ? value.join('') : ' ? ';
    })
    .join('');
}

/**
 * Throws ValidationError when a raw query would control the transaction itself, or holds no
 * statement or more than one. SQLite's driver refuses a text of several statements while PostgreSQL runs them
 * all and returns one result each, so both dialects refuse it here, before the driver: one call, one
 * statement, one list of rows. A `;` ending the one statement, or inside a string, identifier,
 * comment or dollar-quoted body, does not count. The text is scanned, not parsed: a few regular
 * expressions over what `execute` is given, which it already read for transaction control.
 */
export function refuseUnrunnableStatement(query: SQL | string): void {
  const code = textOf(query).replace(NOT_CODE, ' ');
  // A trigger (SQLite) or an SQL-standard function or procedure body (PostgreSQL's BEGIN ATOMIC)
  // holds statements between BEGIN and END: up to its END it is one statement, and its inner `;`
  // and END count for nothing. What follows is counted as usual.
  const bodyEnd = compoundBodyEnd(code);
  const rest = bodyEnd === undefined ? code : code.slice(bodyEnd);
  const statements = rest
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
  if (bodyEnd !== undefined) statements.unshift(code.slice(0, bodyEnd));
  for (const statement of statements) {
    const match = TRANSACTION_CONTROL.exec(statement);
    if (match) {
      throw new ValidationError(
        `db.execute() does not run ${match[1]!.toUpperCase()}: transactions belong to db.transaction(fn), which begins, commits and rolls back for you`,
      );
    }
  }
  // Only comments, semicolons and white space: SQLite's driver throws for that text, PostgreSQL
  // runs nothing and returns no rows, so both refuse it here, as an empty string is.
  if (statements.length === 0) {
    throw new ValidationError(
      'db.execute() takes one SQL statement, got none (only comments, semicolons or white space)',
      [{ path: [], message: 'must be one statement (got 0)' }],
    );
  }
  if (statements.length > 1) {
    throw new ValidationError(
      `db.execute() runs one statement, got ${statements.length}: call it once per statement (inside db.transaction(fn) to keep them atomic)`,
      [{ path: [], message: `must be one statement (got ${statements.length})` }],
    );
  }
}

/**
 * The statement `db.execute(query)` runs: a string (raw SQL) or a drizzle `sql` template. Anything
 * else (undefined, null, a number, a plain object) is a ValidationError before the driver sees it;
 * the driver would throw a TypeError of its own, or run nothing, depending on the dialect.
 */
export function rawStatement(query: unknown): SQL {
  if (typeof query === 'string') {
    if (query.trim() === '') throw new ValidationError('db.execute() takes SQL text, got an empty string');
    return sql.raw(query);
  }
  // is() follows drizzle's entity kind, so a template from another copy of drizzle-orm passes too;
  // it reads the constructor, which an object without a prototype lacks (a TypeError inside is()).
  if (typeof query === 'object' && query !== null && Object.getPrototypeOf(query) !== null && is(query, SQL))
    return query;
  const got = query === null ? 'null' : Array.isArray(query) ? 'an array' : typeof query;
  throw new ValidationError(
    `db.execute() takes SQL text or a drizzle sql\`...\` template, got ${got === 'object' ? 'a plain object' : got}`,
    [{ path: [], message: 'must be a string or an sql`...` template' }],
  );
}
