/**
 * ORION_DATABASE_TIMEOUT (option `timeoutSeconds`) is taken from 1 ms to 2,147,483 s (24.8 days),
 * from every source; outside that it is a ConfigurationError naming the setting, before anything
 * opens. Found by a fresh-user trial: 0.0004 s rounded to 0 ms, which turned PostgreSQL's statement
 * timeout off (and SQLite's busy wait); 2,147,484 s overflowed Node's 32-bit timer, so the connect
 * "timed out" at once as a retryable connection error (SQLite: a driver message).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createDatabase, loadSettings } from '../src/index.js';
import { postgresServerUrl } from './support/dialects.js';

const MIN = 0.001;
const MAX = 2_147_483;
const dir = mkdtempSync(join(tmpdir(), 'orion-timeout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inRange = fc.double({ min: MIN, max: MAX, noNaN: true });
const outOfRange = fc.oneof(
  fc.double({ min: Number.MIN_VALUE, max: MIN, noNaN: true, maxExcluded: true }),
  fc.double({ min: MAX, max: 1e300, noNaN: true, minExcluded: true }),
  fc.constantFrom(0.0004, 0.0009999, 2_147_484, 1e7, 1e12),
);

describe('the timeout setting', () => {
  it('is taken from 1 ms to 24.8 days, from an option and from the environment', () => {
    fc.assert(
      fc.property(inRange, (t) => {
        expect(loadSettings({ isolated: true, timeoutSeconds: t }).timeoutSeconds).toBe(t);
        const env = { ORION_DATABASE_TIMEOUT: String(t) };
        expect(loadSettings({ home: dir, env }).timeoutSeconds).toBe(t);
      }),
      { examples: [[MIN], [MAX], [10]] },
    );
  });

  it('is a ConfigurationError naming the setting outside that, from an option and from the environment', () => {
    fc.assert(
      fc.property(outOfRange, (t) => {
        expect(() => loadSettings({ isolated: true, timeoutSeconds: t })).toThrow(ConfigurationError);
        expect(() => loadSettings({ isolated: true, timeoutSeconds: t })).toThrow(
          /ORION_DATABASE_TIMEOUT.*must be from 0\.001 to 2147483 seconds/,
        );
        const env = { ORION_DATABASE_TIMEOUT: String(t) };
        expect(() => loadSettings({ home: dir, env })).toThrow(/ORION_DATABASE_TIMEOUT \(from env\)/);
      }),
    );
  });
});

describe('opening with a timeout at the bounds', () => {
  it('SQLite: refused outside, before the file is created; the bounds themselves open', async () => {
    for (const t of [0.0004, 2_147_484]) {
      const url = join(dir, `refused-${t}.db`);
      await expect(createDatabase({ url, timeoutSeconds: t })).rejects.toBeInstanceOf(ConfigurationError);
      expect(existsSync(url)).toBe(false);
    }
    for (const [t, ms] of [
      [MIN, 1],
      [MAX, MAX * 1000],
    ] as const) {
      const db = await createDatabase({ url: join(dir, `bound-${t}.db`), timeoutSeconds: t });
      try {
        expect(await db.execute('pragma busy_timeout')).toEqual([{ timeout: ms }]);
      } finally {
        await db.close();
      }
    }
  });

  it('PostgreSQL: refused outside and below 1 s; 1 s is on, the longest is 24.8 days', async (ctx) => {
    const server = await postgresServerUrl();
    if (!server) return ctx.skip();
    for (const t of [0.0004, 2_147_484]) {
      await expect(
        createDatabase({ url: server, timeoutSeconds: t, migrateOnOpen: false, verifyOnOpen: false }),
      ).rejects.toBeInstanceOf(ConfigurationError);
    }
    // Below 1 s: refused on PostgreSQL alone (test/postgres-array-types.test.ts has why).
    await expect(
      createDatabase({ url: server, timeoutSeconds: 0.999, migrateOnOpen: false, verifyOnOpen: false }),
    ).rejects.toThrow(/must be at least 1 s on PostgreSQL, got 0\.999/);
    // The shortest it takes is on, so a statement that sleeps is cancelled.
    const short = await createDatabase({
      url: server,
      timeoutSeconds: 1,
      migrateOnOpen: false,
      verifyOnOpen: false,
    });
    try {
      await expect(short.execute('select pg_sleep(2.5)')).rejects.toThrow(/statement timeout/);
    } finally {
      await short.close();
    }
    const long = await createDatabase({
      url: server,
      timeoutSeconds: MAX,
      migrateOnOpen: false,
      verifyOnOpen: false,
    });
    try {
      expect(await long.execute('show statement_timeout')).toEqual([{ statement_timeout: '2147483s' }]);
    } finally {
      await long.close();
    }
  });
});
