/**
 * The library's own postgres.js clients do not look up the server's types when a connection opens
 * (dialect/postgres/array-types.ts). postgres.js sends that lookup before a connection's first
 * statement, under `statement_timeout`, and leaves its rejection unhandled when it fails: with a
 * timeout of a few ms every new connection raised an `unhandledRejection` (a fresh-user trial;
 * Node.js ends the process on one by default). Arrays still read as arrays, from the built-in
 * types' fixed OIDs.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDatabase, DatabaseError, type DialectName } from '../src/index.js';
import { DIALECTS, postgresServerUrl } from './support/dialects.js';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** A URL for `dialect` the test may open with options of its own, or undefined (no server). */
async function openUrl(dialect: DialectName, dir: string): Promise<string | undefined> {
  return dialect === 'sqlite' ? join(dir, 'timeout.db') : postgresServerUrl();
}

/** Collects the process's unhandled rejections while `body` runs, and a little after. */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}

describe.each(DIALECTS)('a 1 ms timeout on new connections (%s)', (dialect) => {
  it('each statement runs or is a DatabaseError; nothing is left unhandled', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'orion-connect-'));
    try {
      const url = await openUrl(dialect, dir);
      if (!url) return ctx.skip();
      const failures: unknown[] = [];
      const unhandled = await unhandledDuring(async () => {
        // Four rounds of a pool of 4 opening its connections at once: 16 first statements.
        for (let round = 0; round < 4; round++) {
          // Opening runs statements too (the server's version, the migration check): it may fail
          // the same way. SQLite's file is made by the first open.
          const opened = await createDatabase({
            url,
            timeoutSeconds: 0.001,
            poolSize: 4,
            migrateOnOpen: dialect === 'sqlite',
            verifyOnOpen: false,
          }).then(
            (db) => db,
            (error: unknown) => void failures.push(error),
          );
          if (!opened) continue;
          try {
            const calls = Array.from({ length: 4 }, () => opened.execute('select 1 as one'));
            for (const outcome of await Promise.allSettled(calls)) {
              if (outcome.status === 'fulfilled') expect(outcome.value).toEqual([{ one: 1 }]);
              else failures.push(outcome.reason);
            }
          } finally {
            await opened.close();
          }
        }
      });
      expect(unhandled).toEqual([]);
      for (const failure of failures) {
        expect(failure, String(failure)).toBeInstanceOf(DatabaseError);
        // query_canceled: PostgreSQL words it "due to user request" when its timer fires at certain
        // points of a statement, with no cancel request sent.
        expect(String((failure as Error).message)).toMatch(/^PostgreSQL error 57014: canceling statement/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Arrays are PostgreSQL's alone (SQLite has no array type): the round trip of db.execute's values.
describe("arrays from db.execute on the library's own client (postgresql)", () => {
  async function open() {
    const url = await postgresServerUrl();
    return url ? createDatabase({ url, migrateOnOpen: false, verifyOnOpen: false }) : undefined;
  }

  it("built-in element types read as JavaScript arrays, through the library's element parsers", async (ctx) => {
    const db = await open();
    if (!db) return ctx.skip();
    try {
      const [row] = await db.execute(
        `select array[1, null, 3]::int4[] as ints, array[true, false] as bools, array[1.5, 2]::float8[] as floats,
                array['00000000-0000-7000-8000-000000000001']::uuid[] as uuids, '{}'::text[] as empty,
                array['{"a":1}']::jsonb[] as docs, array['2024-01-01 07:00:00+00']::timestamptz[] as times,
                '{{1,2},{3,4}}'::int2[] as grid, array[9007199254740993]::int8[] as big,
                array[]::box[] is not null as has_box`,
      );
      expect(row).toEqual({
        ints: [1, null, 3],
        bools: [true, false],
        floats: [1.5, 2],
        uuids: ['00000000-0000-7000-8000-000000000001'],
        empty: [],
        // JSON stays text (the library parses JSON once, in the column), int8 too (no precision lost).
        docs: ['{"a": 1}'],
        times: ['2024-01-01T07:00:00.000Z'],
        grid: [
          [1, 2],
          [3, 4],
        ],
        big: ['9007199254740993'],
        has_box: true,
      });
    } finally {
      await db.close();
    }
  });

  it('text arrays come back element for element, whatever the strings hold', async (ctx) => {
    const db = await open();
    if (!db) return ctx.skip();
    try {
      const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
      const tricky = fc.constantFrom('', 'NULL', 'null', '{', '}', ',', '"', '\\', ' a ', 'a,b', '{"x"}');
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.option(fc.oneof(text, tricky), { nil: null }), { maxLength: 8 }),
          async (xs) => {
            // Built by the server from JSON, so the array's text is PostgreSQL's own quoting.
            const [row] = await db.execute<{ xs: unknown }>(
              sql`select array(select x ->> 0 from jsonb_array_elements(${JSON.stringify(xs.map((x) => [x]))}::jsonb)
                with ordinality as t(x, n) order by n)::text[] as xs`,
            );
            expect(row?.xs).toEqual(xs);
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      await db.close();
    }
  });
});
