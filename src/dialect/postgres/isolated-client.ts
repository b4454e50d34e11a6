import type postgres from 'postgres';
import { addBuiltinArrayTypes } from './array-types.js';
import { LIBRARY_PARSERS, OID, type TextParser } from './wire-values.js';

type Parsers = Record<string, ((text: string) => unknown) & { array?: boolean }>;
type RawRow = (Buffer | null)[];
type RawResult = RawRow[] & { columns?: { name: string; type: number }[] };
type Unsafe = (text: string, params?: unknown[], options?: object) => postgres.PendingQuery<postgres.Row[]>;

/**
 * The postgres.js client as the library's Drizzle instance sees it (semantics.md §1 "The caller's
 * client", §2 "Parsing once"). postgres.js keeps one `options` object per `Sql`, read by every
 * connection at query time, and Drizzle's postgres.js adapter overwrites its timestamp and JSON
 * entries; on a caller's client that would change the caller's own queries. So:
 *
 * - Drizzle gets a private copy of `options` (parsers and serializers included) to write into; the
 *   client's own object is never touched.
 * - Every query the library sends asks postgres.js for raw bytes (`.raw()`), which bypasses the
 *   client's parsers and `transform.value`, and decodes them with the library's own parsers
 *   (wire-values.ts): JSON stays text for the column to parse once, times become ISO UTC strings.
 *   Dates and times without zone stay text, as Drizzle's adapter has them; any other type (the
 *   arrays schema introspection reads) goes through the client's own parser for it.
 * - String, number and `Date` parameters are declared with the `unknown` type OID: the server
 *   still infers their type from the statement, but postgres.js then has no serializer for them
 *   and sends the text as it is. Otherwise the client's serializer for the inferred type would run
 *   (its default JSON one stringifies a second time), and a `Date` goes as its ISO UTC string,
 *   never through the session's time zone.
 *
 * Transactions, savepoints and reserved connections hand out clients of their own; those are
 * wrapped the same way.
 */
/**
 * Why the library cannot use this postgres.js client, or undefined when it can. Raw rows still go
 * through `transform.row`, and `transform.column` renames the columns the library reads by name;
 * `transform.value` is bypassed and fine.
 */
export function unusableClientReason(client: postgres.Sql): string | undefined {
  const transform = client.options.transform as {
    column?: { from?: unknown };
    row?: { from?: unknown };
  };
  const options = [
    transform.column?.from ? 'transform.column' : undefined,
    transform.row?.from ? 'transform.row' : undefined,
  ].filter(Boolean);
  if (options.length === 0) return undefined;
  return `createDatabase({ client }) needs a postgres.js client without ${options.join(' or ')} (the library reads its rows by their column names); create a separate client for the library`;
}

/**
 * @param client the client whose queries the library sends
 * @param pool the pool `client` belongs to, when `client` is a connection reserved from it (a
 *   reserved client has no `options` of its own)
 */
export function isolateClient<T extends postgres.Sql>(client: T, pool: postgres.Sql = client): T {
  const options = pool.options;
  // One private copy per pool, shared by the connections reserved from it (as `reserve` below
  // does): the copy of postgres.js's parser table (an entry per type and array type once it has
  // connected) was an eighth of a PostgreSQL claim's Node CPU when made for each transaction
  // (issue 13). Only Drizzle's constructor writes into it, once, on the root client.
  let privateOptions = privateCopies.get(options);
  if (!privateOptions) {
    privateOptions = { ...options, parsers: { ...options.parsers }, serializers: { ...options.serializers } };
    privateCopies.set(options, privateOptions);
  }
  // The client's own table, read at query time: postgres.js adds array parsers to it on connecting.
  const parsed = (options.parsers as unknown as Record<symbol, boolean>)[LIBRARY_OWNED] === true;
  return wrap(client, privateOptions, options.parsers as unknown as Parsers, parsed) as T;
}

/** The private copy of each pool's options (isolateClient). */
const privateCopies = new WeakMap<object, postgres.Sql['options']>();

/** Marks a parser table that holds the library's own parsers (useLibraryParsers). */
const LIBRARY_OWNED = Symbol('orion-db parsers');

/**
 * For a client the library created itself (never a caller's): its parser table becomes the one the
 * library decodes with, so postgres.js parses each value once, straight from the message, and the
 * rows need no second pass (measured: raw mode's buffer per cell and the re-decoding were about a
 * third of the CPU of reading a page of 200 logs). Its array types are the library's too
 * (array-types.ts). Call before the first query.
 */
export function useLibraryParsers(client: postgres.Sql): void {
  const parsers = client.options.parsers as unknown as Parsers & Record<symbol, boolean>;
  for (const [oid, parser] of Object.entries(LIBRARY_PARSERS)) parsers[oid] = parser;
  for (const oid of DRIZZLE_TEXT_TYPES) parsers[oid] = (text: string) => text;
  addBuiltinArrayTypes(parsers, client.options.serializers as unknown as Parsers);
  parsers[LIBRARY_OWNED] = true;
}

function wrap(target: object, options: postgres.Sql['options'], fallback: Parsers, parsed: boolean): unknown {
  return new Proxy(target, {
    get(obj, property) {
      if (property === 'options') return options;
      const value = Reflect.get(obj, property);
      if (typeof value !== 'function') return value;
      if (property === 'unsafe') {
        const unsafe = value as Unsafe;
        return (text: string, params?: unknown, queryOptions?: object) => {
          const args = Array.isArray(params) ? params : [];
          const opts = Array.isArray(params) ? queryOptions : (params as object | undefined);
          const typed = args.map((arg) => asParameter(obj as postgres.Sql, arg));
          const pending = unsafe.call(obj, text, typed, opts ?? {});
          return new DecodedQuery(pending, parsed ? undefined : fallback);
        };
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const at = args.findIndex((a) => typeof a === 'function');
          const callback = args[at] as (client: object) => unknown;
          args[at] = (client: object) => callback(wrap(client, options, fallback, parsed) as object);
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      }
      if (property === 'reserve') {
        return async (...args: unknown[]) =>
          wrap(
            await (value as (...a: unknown[]) => Promise<object>).apply(obj, args),
            options,
            fallback,
            parsed,
          );
      }
      return (value as (...a: unknown[]) => unknown).bind(obj);
    },
  });
}

function asParameter(client: postgres.Sql, value: unknown): unknown {
  if (typeof value === 'string') return client.typed(value as never, OID.unknown);
  if (typeof value === 'number') return client.typed(String(value) as never, OID.unknown);
  if (value instanceof Date) return client.typed(value.toISOString() as never, OID.unknown);
  return value;
}

/**
 * What Drizzle calls on a query: awaiting it (rows as objects) or `.values()` (rows as arrays).
 * Both decode the raw bytes once; the result keeps postgres.js's `count`, `command` and `columns`.
 * Without `fallback` the client's parsers are the library's (useLibraryParsers) and postgres.js's
 * own rows are already what the library works with.
 */
class DecodedQuery implements PromiseLike<unknown> {
  private decoded: Promise<unknown> | undefined;
  private mode: 'objects' | 'arrays' | undefined;

  constructor(
    private readonly pending: postgres.PendingQuery<postgres.Row[]>,
    private readonly fallback: Parsers | undefined,
  ) {
    if (fallback) pending.raw();
  }

  private result(mode: 'objects' | 'arrays'): Promise<unknown> {
    if (this.decoded === undefined) {
      this.mode = mode;
      const { fallback } = this;
      if (fallback === undefined) {
        const query = mode === 'arrays' ? this.pending.values() : this.pending;
        this.decoded = query as unknown as Promise<unknown>;
      } else {
        const raw = this.pending as unknown as Promise<unknown>;
        this.decoded = raw.then((result) => decodeAll(result, fallback, mode));
      }
    } else if (this.mode !== mode) {
      return Promise.reject(new Error('a library query was read both as objects and as arrays'));
    }
    return this.decoded;
  }

  values(): Promise<unknown> {
    return this.result('arrays');
  }

  // biome-ignore lint/suspicious/noThenProperty: this object stands in for postgres.js's thenable query.
  then<A = unknown, B = never>(
    onfulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result('objects').then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.then(undefined, onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<unknown> {
    return this.then().finally(onfinally);
  }

  execute(): this {
    this.pending.execute();
    return this;
  }
}

/** A simple-protocol query with several statements resolves to one result per statement. */
function decodeAll(result: unknown, fallback: Parsers, mode: 'objects' | 'arrays'): unknown {
  const raw = result as RawResult;
  if (raw.columns) return decodeResult(raw, fallback, mode);
  if (raw.length > 0 && raw.every((part) => typeof part === 'object' && part !== null && 'command' in part)) {
    for (const part of raw as unknown as RawResult[]) {
      if (part.columns) decodeResult(part, fallback, mode);
    }
  }
  return raw;
}

function decodeResult(result: RawResult, fallback: Parsers, mode: 'objects' | 'arrays'): unknown {
  const columns = result.columns ?? [];
  const parsers = columns.map((column) => parserFor(column.type, fallback));
  for (let r = 0; r < result.length; r++) {
    const row = result[r] as unknown[];
    for (let i = 0; i < columns.length; i++) {
      const cell = row[i] as Buffer | null;
      row[i] = cell === null ? null : (parsers[i] as TextParser)(cell.toString('utf8'));
    }
    if (mode === 'objects') {
      const object: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) object[(columns[i] as { name: string }).name] = row[i];
      (result as unknown[])[r] = object;
    }
  }
  return result;
}

/** Types Drizzle's columns want as text (its adapter makes their parsers transparent). */
const DRIZZLE_TEXT_TYPES = new Set([1082, 1083, 1114, 1115, 1182, 1185, 1231]);

function parserFor(type: number, fallback: Parsers): TextParser {
  const own = LIBRARY_PARSERS[type];
  if (own) return own;
  if (DRIZZLE_TEXT_TYPES.has(type)) return (text) => text;
  const other = fallback[type];
  if (!other) return (text) => text;
  // postgres.js hands array parsers the text without its opening brace.
  return other.array ? (text) => other(text.slice(1)) : other;
}
