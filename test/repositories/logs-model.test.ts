/**
 * Property test of log reads (issue 9): generated logs and generated filters — flow and task run
 * ids (any, notAny, isNull), level ge/le, timestamp before/after, the text query, both sorts,
 * limit/offset and keyset cursors — compared with an in-memory model, on both dialects.
 *
 * Text queries come two ways: built from a known structure (terms, phrases, exclusions) whose
 * meaning the model computes without the parser, and as raw strings of the query alphabet (quotes,
 * dashes, wildcards) checked against the parser's reference matcher. Messages and terms mix ASCII
 * letters of both cases with É/é (which must not fold) and LIKE wildcards (which must be literal).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Log, LogCreate, LogSort, LogWhere } from '../../src/index.js';
import { matchesTextQuery, parseTextQuery } from '../../src/repositories/logs/text-query.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const RUNS = 150;
const RUN_IDS = [randomUUID(), randomUUID(), randomUUID()];
const TASK_IDS = [randomUUID(), randomUUID()];
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

/** Characters with a meaning in a regular expression, which PostgreSQL's match must take literally. */
const REGEX_CHARS = ['.', '*', '+', '?', '^', '$', '|', '(', ')', '[', ']', '{', '}'];
/**
 * Characters of messages and terms: ASCII letters in both cases, accented ones, wildcards, and the
 * Kelvin sign K (U+212A), which PostgreSQL's ILIKE folds to an ASCII `k` and ASCII folding must not.
 */
const LETTERS = ['a', 'A', 'b', 'B', 'k', 'K', '\u212A', 'é', 'É', '%', '_', '\\', '-', ...REGEX_CHARS];
const word = fc.array(fc.constantFrom(...LETTERS), { minLength: 1, maxLength: 3 }).map((c) => c.join(''));
const message = fc
  .array(fc.oneof(word, fc.constant(' '), fc.constant('"')), { maxLength: 8 })
  .map((p) => p.join(''));

const logArb: fc.Arbitrary<Omit<LogCreate, 'name'>> = fc.record({
  level: fc.integer({ min: 0, max: 100 }),
  message,
  timestamp: fc.integer({ min: 0, max: 5 }).map(at),
  flowRunId: fc.constantFrom(null, ...RUN_IDS),
  taskRunId: fc.constantFrom(null, ...TASK_IDS),
});

/** A term of a structured query: an unquoted word (not led by `-`) or a quoted phrase with spaces. */
interface Term {
  text: string;
  quoted: boolean;
  excluded: boolean;
}
const termArb: fc.Arbitrary<Term> = fc.oneof(
  fc.record({
    text: word.filter((w) => !w.startsWith('-')),
    quoted: fc.constant(false),
    excluded: fc.boolean(),
  }),
  fc.record({
    text: fc.array(fc.oneof(word, fc.constant(' ')), { minLength: 1, maxLength: 3 }).map((p) => p.join('')),
    quoted: fc.constant(true),
    excluded: fc.boolean(),
  }),
);
const structured = fc.array(termArb, { maxLength: 4 }).chain((terms) =>
  fc
    .array(fc.constantFrom(' ', '  ', '\t'), { minLength: terms.length, maxLength: terms.length })
    .map((gaps) => ({
      query: terms
        .map((t, i) => `${gaps[i]}${t.excluded ? '-' : ''}${t.quoted ? `"${t.text}"` : t.text}`)
        .join(''),
      terms,
    })),
);
/** Raw query text over the alphabet, quotes and dashes included: unbalanced quotes, lone dashes. */
const raw = fc
  .array(fc.constantFrom(...LETTERS, ' ', '"', '-', '-"'), { maxLength: 10 })
  .map((p) => ({ query: p.join(''), terms: undefined }));

const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** The structured query's meaning, computed from its terms (not by the parser). */
function structuredMatch(messageText: string, terms: Term[]): boolean {
  const has = (t: Term) => fold(messageText).includes(fold(t.text));
  const include = terms.filter((t) => !t.excluded);
  if (terms.some((t) => t.excluded && has(t))) return false;
  return include.length === 0 || include.some(has);
}

/** Present one time in three: most queries combine few filters, so that they match something. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const idFilter = (ids: string[]) =>
  sometimes(
    fc.oneof(
      fc.record({ any: fc.subarray(ids) }),
      fc.record({ notAny: fc.subarray(ids, { minLength: 1 }) }),
      fc.record({ isNull: fc.boolean() }),
    ),
  );
const levelName = fc.constantFrom('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL');
const LEVELS: Record<string, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };
const levelValue = fc.oneof(fc.integer({ min: 0, max: 100 }), levelName);

const queryArb = fc.record({
  flowRunId: idFilter(RUN_IDS),
  taskRunId: idFilter(TASK_IDS),
  level: sometimes(fc.record({ ge: levelValue, le: levelValue }, { requiredKeys: [] })),
  timestamp: sometimes(
    fc.record(
      { before: fc.integer({ min: 0, max: 5 }).map(at), after: fc.integer({ min: 0, max: 5 }).map(at) },
      {
        requiredKeys: [],
      },
    ),
  ),
  text: fc.option(fc.oneof(structured, raw), { nil: undefined, freq: 4 }),
  sort: fc.constantFrom<LogSort | undefined>(undefined, 'TIMESTAMP_ASC', 'TIMESTAMP_DESC'),
  limit: sometimes(fc.integer({ min: 0, max: 12 })),
  offset: sometimes(fc.integer({ min: 0, max: 12 })),
  /** A cursor: an existing log (by position) or a fresh (timestamp, id). */
  after: sometimes(
    fc.oneof(
      fc.nat().map((n) => ({ row: n })),
      fc.record({ timestamp: fc.integer({ min: 0, max: 5 }).map(at), id: fc.uuid() }),
    ),
  ),
});
type Query = typeof queryArb extends fc.Arbitrary<infer Q> ? Q : never;

const toNumber = (v: number | string) => (typeof v === 'number' ? v : LEVELS[v]!);

function modelIds(
  value: string | null,
  f: { any?: string[]; notAny?: string[]; isNull?: boolean } | undefined,
) {
  if (!f) return true;
  if (f.any && !(value !== null && f.any.includes(value))) return false;
  if (f.notAny && f.notAny.length > 0 && (value === null || f.notAny.includes(value))) return false;
  if (f.isNull !== undefined && (value === null) !== f.isNull) return false;
  return true;
}

function model(rows: Log[], q: Query, cursor: { timestamp: Date; id: string } | undefined): Log[] {
  const key = (l: { timestamp: Date; id: string }) => [l.timestamp.getTime(), l.id] as const;
  const cmp = (a: { timestamp: Date; id: string }, b: { timestamp: Date; id: string }) => {
    const [ta, ia] = key(a);
    const [tb, ib] = key(b);
    return ta !== tb ? ta - tb : ia < ib ? -1 : ia > ib ? 1 : 0;
  };
  const desc = q.sort === 'TIMESTAMP_DESC';
  const parsed = q.text && !q.text.terms ? parseTextQuery(q.text.query) : undefined;
  const kept = rows.filter(
    (l) =>
      modelIds(l.flowRunId, q.flowRunId) &&
      modelIds(l.taskRunId, q.taskRunId) &&
      (q.level?.ge === undefined || l.level >= toNumber(q.level.ge)) &&
      (q.level?.le === undefined || l.level <= toNumber(q.level.le)) &&
      (q.timestamp?.after === undefined || l.timestamp.getTime() >= q.timestamp.after.getTime()) &&
      (q.timestamp?.before === undefined || l.timestamp.getTime() <= q.timestamp.before.getTime()) &&
      (!q.text ||
        (q.text.terms ? structuredMatch(l.message, q.text.terms) : matchesTextQuery(l.message, parsed!))) &&
      (!cursor || (desc ? cmp(l, cursor) < 0 : cmp(l, cursor) > 0)),
  );
  kept.sort((a, b) => (desc ? -cmp(a, b) : cmp(a, b)));
  const from = q.offset ?? 0;
  return kept.slice(from, q.limit === undefined ? undefined : from + q.limit);
}

describe.each(DIALECTS)('log reads against a model (%s)', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db.close();
  });

  it('list and count return what the model says for generated logs and filters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(logArb, { minLength: 5, maxLength: 25 }),
        fc.array(queryArb, { minLength: 1, maxLength: 4 }),
        async (logs, queries) => {
          await db.execute('delete from log');
          await db.logs.createMany(logs.map((l, i) => ({ ...l, name: `n${i}` })));
          const rows = await db.logs.list();
          expect(rows).toHaveLength(logs.length);
          for (const q of queries) {
            const cursor =
              q.after && 'row' in q.after
                ? rows.length > 0
                  ? rows[q.after.row % rows.length]
                  : undefined
                : q.after;
            const where: LogWhere = {
              flowRunId: q.flowRunId,
              taskRunId: q.taskRunId,
              level: q.level,
              timestamp: q.timestamp,
              text: q.text ? { query: q.text.query } : undefined,
            };
            const expected = model(rows, q, cursor).map((l) => l.name);
            const actual = await db.logs.list({
              where,
              sort: q.sort,
              limit: q.limit,
              offset: q.offset,
              after: cursor ? { timestamp: cursor.timestamp, id: cursor.id } : undefined,
            });
            expect({ query: q.text?.query, names: actual.map((l) => l.name) }).toEqual({
              query: q.text?.query,
              names: expected,
            });
            const all = model(rows, { ...q, limit: undefined, offset: undefined }, undefined);
            expect(await db.logs.count({ where })).toBe(all.length);
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 300_000);
});
