import type Sqlite from 'better-sqlite3';
import { diagnoseForeignKeys } from './foreign-keys.js';

const MAX_CACHED_STATEMENTS = 500;

/**
 * Drizzle prepares a better-sqlite3 statement for every query it runs, and preparing is the largest
 * single cost of a small query. This view of the connection hands Drizzle a cached statement per
 * SQL text (least recently used dropped past 500). Drizzle switches statements into raw mode for
 * selects; a cached reader is switched back before reuse so each caller starts from the default.
 */
export function withStatementCache(connection: Sqlite.Database): Sqlite.Database {
  const cache = new Map<string, Sqlite.Statement>();
  const prepare = (source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source);
    } else {
      statement = connection.prepare(source);
      // A foreign-key failure names nothing on SQLite; the statement works out which key (see foreign-keys.ts).
      if (!statement.reader || /\breturning\b/i.test(source))
        diagnoseForeignKeys(connection, statement, source);
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, statement);
    if (statement.reader) statement.raw(false);
    return statement;
  };
  // The connection's methods bound once: Drizzle reaches for one on every query.
  const bound = new Map<PropertyKey, { of: (...args: unknown[]) => unknown; method: unknown }>();
  return new Proxy(connection, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const entry = bound.get(property);
      if (entry && entry.of === value) return entry.method;
      const method = value.bind(target);
      bound.set(property, { of: value, method });
      return method;
    },
  });
}
