import type { PGlite, QueryOptions, Transaction } from '@electric-sql/pglite';
import { LIBRARY_PARSERS, OID } from '../postgres/wire-values.js';

const toJsonText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const toTimeText = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

/**
 * The PGlite instance as the library's Drizzle instance sees it (semantics.md §1 "The caller's
 * client", §2 "Parsing once"). PGlite takes parsers and serializers per query, so the library adds
 * its own to every query it sends — JSON as text for the column to parse once, times as ISO UTC
 * strings (wire-values.ts), JSON and time parameters written as the text Drizzle made — and the
 * instance's own settings, which the caller's queries use, are never changed.
 */
export function withLibraryParsers(instance: PGlite): PGlite {
  return wrap(instance) as PGlite;
}

function addOurs(options: QueryOptions | undefined): QueryOptions {
  return {
    ...options,
    parsers: { ...options?.parsers, ...LIBRARY_PARSERS },
    serializers: {
      ...options?.serializers,
      [OID.json]: toJsonText,
      [OID.jsonb]: toJsonText,
      [OID.timestamptz]: toTimeText,
    },
  };
}

function wrap(target: PGlite | Transaction): unknown {
  return new Proxy(target, {
    get(obj, property) {
      const value = Reflect.get(obj, property, obj);
      if (typeof value !== 'function') return value;
      if (property === 'query') {
        return (text: string, params?: unknown[], options?: QueryOptions) =>
          (value as PGlite['query']).call(obj, text, params, addOurs(options));
      }
      if (property === 'transaction') {
        return (callback: (tx: Transaction) => Promise<unknown>) =>
          (value as PGlite['transaction']).call(obj, (tx) => callback(wrap(tx) as Transaction));
      }
      return (value as (...a: unknown[]) => unknown).bind(obj);
    },
  });
}
