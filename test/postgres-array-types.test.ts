/**
 * The library's own postgres.js pool and the server's types (dialect/postgres/array-types.ts,
 * dialect/open.ts). postgres.js looks up the array types on every new connection, under
 * `statement_timeout`, and leaves a failed lookup as an `unhandledRejection` (a fresh-user trial: a
 * 1 ms timeout ended the process). The lookup cannot be turned off (`reserve()` then hangs on a new
 * connection, porsager/postgres#751), so a PostgreSQL timeout below 1 s is a ConfigurationError;
 * SQLite takes 1 ms. Arrays read as the library reads their elements.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { useLibraryParsers } from '../src/dialect/postgres/isolated-client.js';
import { ConfigurationError, createDatabase, type DialectName } from '../src/index.js';
import { DIALECTS, postgresServerUrl } from './support/dialects.js';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

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

/** Four rounds of a pool of 4 opening its connections at once: 16 first statements. */
async function openAndQuery(url: string, dialect: DialectName, timeoutSeconds: number, failures: unknown[]) {
  for (let round = 0; round < 4; round++) {
    const opened = await createDatabase({
      url,
      timeoutSeconds,
      poolSize: 4,
      migrateOnOpen: dialect === 'sqlite',
      verifyOnOpen: false,
    }).then(
      (db) => db,
      (error: unknown) => void failures.push(error),
    );
    if (!opened) continue;
    try {
      // Half in transactions: with the type lookup off, postgres.js's reserve() never settled on a
      // new connection (porsager/postgres#751), so a transaction as a pool's first call hung.
      const calls = Array.from({ length: 4 }, (_, i) =>
        i % 2 === 0
          ? opened.transaction((tx) => tx.execute('select 1 as one'))
          : opened.execute('select 1 as one'),
      );
      for (const outcome of await Promise.allSettled(calls)) {
        if (outcome.status === 'fulfilled') expect(outcome.value).toEqual([{ one: 1 }]);
        else failures.push(outcome.reason);
      }
    } finally {
      await opened.close();
    }
  }
}

/**
 * Opens and queries `dialect` with `timeoutSeconds` (openAndQuery) in a scratch folder; returns
 * the failures and the unhandled rejections seen, or undefined when there is no server.
 */
async function tryTimeout(dialect: DialectName, timeoutSeconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'orion-connect-'));
  try {
    const url = dialect === 'sqlite' ? join(dir, 'timeout.db') : await postgresServerUrl();
    if (!url) return undefined;
    const failures: unknown[] = [];
    const unhandled = await unhandledDuring(() => openAndQuery(url, dialect, timeoutSeconds, failures));
    return { failures, unhandled };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(DIALECTS)('short timeouts and new connections (%s)', (dialect) => {
  it('1 ms: SQLite runs every statement; PostgreSQL refuses it with a ConfigurationError before connecting', async (ctx) => {
    const seen = await tryTimeout(dialect, 0.001);
    if (!seen) return ctx.skip();
    expect(seen.unhandled).toEqual([]);
    if (dialect === 'sqlite') expect(seen.failures).toEqual([]);
    else {
      expect(seen.failures).toHaveLength(4);
      for (const failure of seen.failures) {
        expect(failure, String(failure)).toBeInstanceOf(ConfigurationError);
        expect((failure as Error).message).toMatch(
          /^ORION_DATABASE_TIMEOUT \(from option\) must be at least 1 s on PostgreSQL, got 0\.001: /,
        );
      }
    }
  });

  it('the shortest PostgreSQL takes, 1 s: every statement runs and nothing is left unhandled', async (ctx) => {
    const seen = await tryTimeout(dialect, 1);
    if (!seen) return ctx.skip();
    expect(seen).toEqual({ failures: [], unhandled: [] });
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

describe("array parameters on a pool with the library's parsers (postgresql)", () => {
  it('a JavaScript array sent where the server expects an array comes back element for element', async (ctx) => {
    const url = await postgresServerUrl();
    if (!url) return ctx.skip();
    // The library never sends arrays itself (postgres/fragments.ts); its serializers exist so that
    // postgres.js keeps the library's parsers after its type lookup, and must still be right.
    const client = postgres(url, { max: 1, onnotice: () => {} });
    useLibraryParsers(client);
    try {
      const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
      const tricky = fc.constantFrom('', 'NULL', '{', '}', ',', '"', '\\', ' a ', 'a,b');
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.option(fc.oneof(text, tricky), { nil: null }), { maxLength: 8 }),
          async (xs) => {
            const [row] = await client.unsafe('select $1::text[] as xs', [xs as never]);
            expect(row?.xs).toEqual(xs);
          },
        ),
        { numRuns: 100 },
      );
      const [row] = await client.unsafe(
        'select $1::int4[] as ints, $2::jsonb[] as docs, $3::int2[] as grid',
        [
          [1, null, 3] as never,
          [{ a: 'x"y' }] as never,
          [
            [1, 2],
            [3, 4],
          ] as never,
        ],
      );
      expect(row).toEqual({
        ints: [1, null, 3],
        docs: ['{"a": "x\\"y"}'],
        grid: [
          [1, 2],
          [3, 4],
        ],
      });
    } finally {
      await client.end();
    }
  });
});
