import { parse as parseArrayText } from 'postgres-array';

/**
 * Array parsers for the library's own postgres.js clients, which do not look up the server's types
 * when they connect (`fetch_types: false`, dialect/open.ts).
 *
 * postgres.js's lookup is a query of its own that every new connection sends before its first
 * statement, under the session's `statement_timeout`; when it fails (a timeout of a few ms, or a
 * server stalled for longer than the timeout), postgres.js drops the rejected promise, and Node.js
 * reports it as an `unhandledRejection`, which ends the process by default. Built-in types have
 * fixed OIDs (PostgreSQL's `pg_type.dat`), so the array types raw SQL (`db.execute`) and schema
 * introspection read are known without asking: each is parsed by postgres-array with the element
 * type's parser. Arrays of extension or user-defined types come back as their text (`{a,b}`).
 */

/**
 * Array type OID → element type OID, for the built-in element types a caller selects (booleans,
 * numbers, strings, times, network and bit types, uuid, JSON, text search), from
 * `select a.oid, a.typelem from pg_type a join pg_type e on e.oid = a.typelem where a.typcategory = 'A'`
 * on PostgreSQL 15, OIDs below 10000 only (fixed across versions). `box[]` is left out: its
 * elements are separated by `;`, not `,`.
 */
const BUILTIN_ARRAYS: Readonly<Record<number, number>> = {
  143: 142, // xml
  199: 114, // json
  651: 650, // cidr
  775: 774, // macaddr8
  791: 790, // money
  1000: 16, // bool
  1001: 17, // bytea
  1002: 18, // char
  1003: 19, // name
  1005: 21, // int2
  1007: 23, // int4
  1009: 25, // text
  1014: 1042, // bpchar
  1015: 1043, // varchar
  1016: 20, // int8
  1021: 700, // float4
  1022: 701, // float8
  1028: 26, // oid
  1040: 829, // macaddr
  1041: 869, // inet
  1115: 1114, // timestamp
  1182: 1082, // date
  1183: 1083, // time
  1185: 1184, // timestamptz
  1187: 1186, // interval
  1231: 1700, // numeric
  1270: 1266, // timetz
  1561: 1560, // bit
  1563: 1562, // varbit
  2951: 2950, // uuid
  3643: 3614, // tsvector
  3645: 3615, // tsquery
  3807: 3802, // jsonb
  4073: 4072, // jsonpath
};

type ParserTable = Record<string, ((text: string) => unknown) & { array?: boolean }>;

/**
 * Sets a parser for each built-in array type, using the parser `parsers` has for its element type
 * (the text itself when there is none), as postgres.js's own lookup did: an array of `timestamptz`
 * reads as ISO strings. Call after the element parsers are in place, before the first query.
 */
export function addBuiltinArrayParsers(parsers: ParserTable): void {
  for (const [array, element] of Object.entries(BUILTIN_ARRAYS)) {
    const parseElement = parsers[element];
    parsers[array] = parseElement
      ? (text: string) => parseArrayText(text, (value) => parseElement(value))
      : (text: string) => parseArrayText(text);
  }
}
