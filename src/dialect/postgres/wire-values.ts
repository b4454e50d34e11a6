/**
 * How the library reads and writes values on a PostgreSQL connection (postgres.js and PGlite alike),
 * independent of how the connection's driver is configured — it may be a caller's client with
 * parsers of its own (semantics.md §1 "The caller's client", §2 "Parsing once", "Times").
 */
import { DatabaseError } from '../../errors.js';

/** Type OIDs the library decodes itself. */
export const OID = {
  bool: 16,
  bytea: 17,
  int2: 21,
  int4: 23,
  oid: 26,
  float4: 700,
  float8: 701,
  json: 114,
  jsonb: 3802,
  timestamptz: 1184,
  int8: 20,
  numeric: 1700,
  /** `unknown`: a parameter declared with it gets its type from the statement, like an untyped one. */
  unknown: 705,
} as const;

/** Turns one value's text form into the value the library works with. */
export type TextParser = (text: string) => unknown;

const keepText: TextParser = (text) => text;

const TIMESTAMPTZ =
  /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?$/;

/** A four-digit-year timestamptz printed in UTC: `2024-01-01 07:00:00.123+00`. */
const UTC_TIMESTAMPTZ = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * A `timestamptz` as PostgreSQL prints it with `DateStyle = ISO` (its default), in whatever
 * `TimeZone` the session has — `2024-01-01 07:00:00.123-05`, or `1800-01-01 00:00:00-04:56:02`
 * before a zone's standard time — to an ISO 8601 UTC string. JavaScript's own `Date` parser rejects
 * offsets with seconds, so a session in a local zone would otherwise break old times (§2 "Times").
 * `infinity` and `-infinity` stay as they are (a `Date` cannot hold them).
 */
export function timestamptzToIso(text: string): string {
  // The common case, a UTC session (the library's own pool sets TimeZone = 'UTC'): rearranged as
  // text, no Date built. Log reads decode three of these per row (measured: the general path was
  // the largest cost of reading a page of 200 logs).
  const plain = UTC_TIMESTAMPTZ.exec(text);
  if (plain !== null) {
    const [, date, time, fraction = ''] = plain;
    return `${date}T${time}.${fraction.slice(0, 3).padEnd(3, '0')}Z`;
  }
  const m = TIMESTAMPTZ.exec(text);
  if (m === null) {
    if (text === 'infinity' || text === '-infinity') return text;
    throw new DatabaseError(
      `cannot read the timestamptz ${JSON.stringify(text)}: the session's DateStyle must be ISO (PostgreSQL's default)`,
    );
  }
  const [, y, mo, d, h, mi, s, fraction = '', sign, oh, om = '0', os = '0', bc] = m;
  const at = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not move years 0-99 to the 1900s.
  at.setUTCFullYear(bc ? 1 - Number(y) : Number(y), Number(mo) - 1, Number(d));
  at.setUTCHours(Number(h), Number(mi), Number(s), Number(fraction.slice(0, 3).padEnd(3, '0')));
  const offsetMs = (Number(oh) * 3600 + Number(om) * 60 + Number(os)) * 1000;
  const utc = new Date(at.getTime() - (sign === '+' ? offsetMs : -offsetMs));
  return Number.isNaN(utc.getTime()) ? text : utc.toISOString();
}

/**
 * The library's parsers by type OID. JSON stays text: the Drizzle column parses it, exactly once
 * (a JSON string `"10.5"` must come back as the string, not as 10.5). Times become ISO UTC strings,
 * which Drizzle's timestamp column turns into `Date`s. Numbers and booleans as postgres.js's defaults.
 */
export const LIBRARY_PARSERS: Readonly<Record<number, TextParser>> = {
  [OID.bool]: (text) => text === 't',
  [OID.bytea]: (text) => Buffer.from(text.slice(2), 'hex'),
  [OID.int2]: Number,
  [OID.int4]: Number,
  [OID.oid]: Number,
  [OID.float4]: Number,
  [OID.float8]: Number,
  // Text as postgres.js has it by default, whatever the client's own types say (a caller may read
  // int8 as BigInt): counts and sums are converted where the library reads them.
  [OID.int8]: keepText,
  [OID.numeric]: keepText,
  18: keepText, // char
  19: keepText, // name
  25: keepText, // text
  1042: keepText, // bpchar
  1043: keepText, // varchar
  2950: keepText, // uuid
  [OID.json]: keepText,
  [OID.jsonb]: keepText,
  [OID.timestamptz]: timestamptzToIso,
};
