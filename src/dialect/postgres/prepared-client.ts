import type postgres from 'postgres';

/**
 * Drizzle runs every query it builds through `client.unsafe(text, params, { prepare: false })`
 * unless the query was `.prepare()`d by name, and an unnamed statement costs postgres.js an extra
 * round trip. This wrapper lets the library's `preparedStatements` setting decide instead: with it
 * on, postgres.js keeps one named statement per query text and connection. Transactions and
 * savepoints hand their own client to the callback, so those are wrapped too. The caller's client
 * is never modified.
 */
export function withPreparedStatements<T extends postgres.Sql>(client: T, prepare: boolean): T {
  return wrap(client, prepare) as T;
}

function wrap(target: object, prepare: boolean): unknown {
  return new Proxy(target, {
    get(obj, property, receiver) {
      const value = Reflect.get(obj, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'unsafe') {
        return (text: string, params?: unknown[], options?: { prepare?: boolean }) =>
          value.call(obj, text, params, { ...options, prepare });
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const callbackAt = args.findIndex((a) => typeof a === 'function');
          const callback = args[callbackAt] as (client: object) => unknown;
          args[callbackAt] = (client: object) => callback(wrap(client, prepare) as object);
          return value.apply(obj, args);
        };
      }
      return value.bind(obj);
    },
  });
}
