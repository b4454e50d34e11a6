/**
 * Boundary properties (docs/logs.md "Input limits") for db.logs on both dialects: logs at their
 * limits — logger names of 1,024 characters, messages of exactly 1 MB of UTF-8, levels 0 and 100
 * and by name, the earliest and latest times, NUL and lone surrogates (cleaned, never refused) —
 * round-trip; invalid ones are a ValidationError naming `[index].field` and write nothing. Read
 * filters at their limits (50 terms, 1,000 characters) work; one past them is refused.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type Database, type LogCreate, MAX_TIME, MIN_TIME } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { type Boundary, boundaryTests, defect } from './support/harness.js';
import { NAME_CHARS, brokenString, longestName, prng, shortName, textOfBytes } from './support/text.js';

const MESSAGE_BYTES = 1_000_000;
const LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;

/** What the library stores for a message or logger name: NUL stripped, lone surrogates replaced. */
const cleaned = (s: string) => (s.replaceAll('\0', '') as string & { toWellFormed(): string }).toWellFormed();

const longestMessage = fc
  .tuple(fc.noBias(fc.integer()), fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4))
  .map(([seed, width]) => textOfBytes(prng(seed), MESSAGE_BYTES, MESSAGE_BYTES, width));
const message = fc.oneof(
  { weight: 3, arbitrary: shortName },
  { weight: 3, arbitrary: brokenString(shortName) },
  { weight: 1, arbitrary: fc.constant('') },
);
const loggerName = fc.oneof(longestName(), brokenString(shortName), fc.constant(''));
const level = fc.oneof(
  fc.constantFrom<number | keyof typeof LEVELS>(0, 100, 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'),
  fc.integer({ min: 0, max: 100 }),
);
const timestamp = fc.oneof(
  fc.constantFrom(MIN_TIME, MAX_TIME),
  fc.date({ min: MIN_TIME, max: MAX_TIME, noInvalidDate: true }),
);
const row = fc.record({
  name: loggerName,
  level,
  message,
  timestamp,
  taskRunId: fc.oneof(
    fc.constant(null),
    fc.uuid().map((u) => u.toUpperCase()),
  ),
});
// One case in twenty carries a message of exactly 1 MB: indexing one costs PostgreSQL's trigram GIN
// up to ~2 s (measured), so every case having one would take minutes.
const rows = fc
  .tuple(
    fc.array(row, { minLength: 1, maxLength: 3 }),
    fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: longestMessage }),
  )
  .map(([list, longest]) =>
    longest === undefined ? list : [{ ...list[0]!, message: longest }, ...list.slice(1)],
  );

describe.each(DIALECTS)('input limits: logs (%s)', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db.close();
  });
  const getDb = () => db;

  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'logs.createMany / list',
      valid: rows,
      roundTrip: async (input: LogCreate[]) => {
        const flowRunId = randomUUID();
        expect(await db.logs.createMany(input.map((r) => ({ ...r, flowRunId })))).toBe(input.length);
        const got = await db.logs.list({ where: { flowRunId: { any: [flowRunId] } } });
        const expected = input
          .map((r, i) => ({
            i,
            name: cleaned(r.name),
            level: typeof r.level === 'number' ? r.level : LEVELS[r.level as keyof typeof LEVELS],
            message: cleaned(r.message),
            timestamp: (r.timestamp as Date).getTime(),
            taskRunId: r.taskRunId?.toLowerCase() ?? null,
          }))
          // Ties keep the input order (ids increase in input order).
          .sort((a, b) => a.timestamp - b.timestamp || a.i - b.i)
          .map(({ i: _, ...rest }) => rest);
        expect(
          got.map((l) => ({
            name: l.name,
            level: l.level,
            message: l.message,
            timestamp: l.timestamp.getTime(),
            taskRunId: l.taskRunId,
          })),
        ).toEqual(expected);
        await db.execute(`delete from log`);
      },
      invalid: fc.oneof(
        defect(rows, [0, 'name'], fc.oneof(fc.constant('x'.repeat(NAME_CHARS + 1)), fc.constant(7))),
        defect(rows, [0, 'level'], fc.constantFrom(-1, 101, 2.5, Number.NaN, 'TRACE', null)),
        defect(
          rows,
          [0, 'message'],
          fc.oneof(
            longestMessage.map((m) => `${m}x`),
            fc.constant(undefined),
            fc.constant(42),
          ),
        ),
        defect(
          rows,
          [0, 'timestamp'],
          fc.constantFrom('2026-01-01T00:00:00', '0099-12-31T23:59:59Z', 'soon'),
        ),
        defect(rows, [0, 'flowRunId'], fc.constantFrom('not-a-uuid', 12)),
        defect(rows, [0, 'taskRunId'], fc.constantFrom('', 'x')),
      ),
      call: (input) => db.logs.createMany(input),
    }),
  );

  const fiftyTerms = fc
    .array(fc.stringMatching(/^[a-z]{1,3}$/), { minLength: 50, maxLength: 50 })
    .map((t) => t.join(' '));
  const thousandChars = fc.stringMatching(/^[a-z]{1000}$/);
  const where = fc.record({
    text: fc.record({ query: fc.oneof(fiftyTerms, thousandChars) }),
    level: fc.record({ ge: fc.constantFrom(0, 'DEBUG'), le: fc.constantFrom(100, 'CRITICAL') }),
    timestamp: fc.record({ after: fc.constant(MIN_TIME), before: fc.constant(MAX_TIME) }),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'logs.list / count filters',
      valid: where,
      roundTrip: async (w) => {
        expect(await db.logs.list({ where: w })).toEqual([]);
        expect(await db.logs.count({ where: w })).toBe(0);
      },
      invalid: fc.oneof(
        defect(
          where,
          ['text', 'query'],
          fiftyTerms.map((q) => `${q} z`),
        ),
        defect(
          where,
          ['text', 'query'],
          thousandChars.map((q) => `${q}z`),
        ),
        defect(where, ['level', 'ge'], fc.constantFrom(-1, 101, 'LOUD')),
        defect(where, ['timestamp', 'before'], fc.constantFrom('10000-01-01T00:00:00Z', 'never')),
      ),
      call: (w) => db.logs.count({ where: w }),
    }),
  );
});
