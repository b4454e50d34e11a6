/**
 * `db.execute(query)` with something that is neither SQL text nor an `sql` template is a
 * ValidationError before the driver is called, on the database and on a transaction handle.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Database, OrionDbError, ValidationError } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';
import { dialectOf } from './support/internals.js';

type Execute = (query: unknown) => Promise<unknown>;

const BAD: [string, unknown, RegExp][] = [
  ['no argument', undefined, /got undefined/],
  ['null', null, /got null/],
  ['a number', 42, /got number/],
  ['a plain object', {}, /got a plain object/],
  ['an array', ['select 1'], /got an array/],
  ['an empty string', '  ', /empty string/],
];

describe.each(DIALECTS)('db.execute arguments (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it.each(BAD)(
    'refuses %s with a ValidationError, on db and on tx, sending nothing',
    async (_, arg, message) => {
      const query = vi.spyOn(dialectOf(db), 'query');
      const run = (execute: Execute) =>
        arg === undefined ? execute.call(undefined, undefined) : execute(arg);
      const onDb = run((a) => (db.execute as Execute)(a));
      await expect(onDb).rejects.toBeInstanceOf(ValidationError);
      await expect(onDb).rejects.toThrow(message);
      await db.transaction(async (tx) => {
        await expect(run((a) => (tx.execute as Execute)(a))).rejects.toThrow(message);
      });
      expect(query).not.toHaveBeenCalled();
    },
  );

  it('still runs text and templates', async () => {
    expect(await db.execute<{ n: number }>('select 1 as n')).toEqual([{ n: 1 }]);
    expect(await db.execute<{ n: number }>(sql`select ${2} as n`)).toHaveLength(1);
  });

  it('refuses every value that is not a string or a template (property)', async () => {
    const query = vi.spyOn(dialectOf(db), 'query');
    const notQuery = fc.oneof(
      fc.constantFrom(undefined, null, true, 0, Number.NaN, 10n),
      fc.double(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(notQuery, async (arg) => {
        await expect((db.execute as Execute)(arg)).rejects.toBeInstanceOf(ValidationError);
      }),
      { numRuns: 50 },
    );
    expect(query).not.toHaveBeenCalled();
  });

  // A fresh-user trial: `${null}` in a template was a bare TypeError from the statement scan.
  it('binds null in a template, on db and on tx; whatever is interpolated, any failure is an OrionDbError', async () => {
    expect(await db.execute(sql`select ${null} as a`)).toEqual([{ a: null }]);
    await db.transaction(async (tx) => {
      expect(await tx.execute(sql`select ${null} as a, ${'x'} as b`)).toEqual([{ a: null, b: 'x' }]);
    });
    const anything = fc.oneof(
      fc.constantFrom(null, undefined, true, false, 0, -1.5, 10n, new Date(0), Number.NaN),
      fc.string({ maxLength: 8 }),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2, noNullPrototype: true }),
    );
    await fc.assert(
      fc.asyncProperty(anything, async (value) => {
        await db.execute(sql`select ${value} as a`).catch((error: unknown) => {
          expect(error, String(error)).toBeInstanceOf(OrionDbError);
        });
      }),
      { numRuns: 60 },
    );
  });
});
