import { parse as parseArrayText } from 'postgres-array';

/**
 * Array parsers for the library's own postgres.js pool (useLibraryParsers), so that an array read
 * through `db.execute` has its elements read as the library reads the element type: `int8` as a
 * string, JSON as text, `timestamptz` as an ISO string, and NULL as `null` (postgres.js's own array
 * parser, installed after its type lookup on connecting, gave `NaN` for a NULL in a number array
 * under the library's number parser). postgres.js keeps a type's parser when the type has both a
 * parser and a serializer, so each array type gets a serializer too (an array literal); the
 * library itself never sends an array as a parameter (postgres/fragments.ts).
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

type Table = Record<string, ((value: never) => unknown) & { array?: boolean }>;

/**
 * Sets a parser and a serializer for each built-in array type: the parser reads each element with
 * the parser `parsers` has for its element type (the text itself when there is none). Call after
 * the element parsers are in place, before the first query.
 */
export function addBuiltinArrayTypes(parsers: Table, serializers: Table): void {
  for (const [array, element] of Object.entries(BUILTIN_ARRAYS)) {
    const parseElement = parsers[element] as ((text: string) => unknown) | undefined;
    parsers[array] = parseElement
      ? (text: string) => parseArrayText(text, (value) => parseElement(value))
      : (text: string) => parseArrayText(text);
    serializers[array] = arrayLiteral;
  }
}

/** A JavaScript array as a PostgreSQL array literal: every element quoted and escaped, NULL bare. */
function arrayLiteral(values: readonly unknown[]): string {
  const element = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return arrayLiteral(value);
    const text =
      value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  };
  return `{${values.map(element).join(',')}}`;
}
