/**
 * Options of the wrong type and pool sizes past 10,000 are ConfigurationErrors before anything
 * opens (a fresh-user trial: `url: 42` opened a SQLite file named `42` in the working directory,
 * and `poolSize: 1e9` ended the process out of memory on PostgreSQL).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createDatabase, loadSettings } from '../src/index.js';
import { OPTION_TYPES } from '../src/settings/option-types.js';

const dir = mkdtempSync(join(tmpdir(), 'orion-option-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TYPES = OPTION_TYPES;

const anyValue = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2, noNullPrototype: true }),
  fc.constant(10n),
);

describe('setting options by type', () => {
  it('a value neither of the option type nor a string is refused, naming the option (generated)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(TYPES)), anyValue, (name, value) => {
        const wanted = TYPES[name]!;
        fc.pre(typeof value !== wanted);
        const attempt = () => loadSettings({ isolated: true, [name]: value });
        expect(attempt).toThrow(ConfigurationError);
        expect(attempt).toThrow(new RegExp(`^the option ${name} takes a ${wanted}`));
      }),
    );
  });

  it('url: 42 creates no file; the same number as a string is still a path', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await expect(createDatabase({ url: 42 as never })).rejects.toThrow(
        /the option url takes a string, got a number/,
      );
      expect(existsSync(join(dir, '42'))).toBe(false);
      expect(loadSettings({ isolated: true, url: '42' }).target).toMatchObject({
        kind: 'sqlite',
        path: join(dir, '42'),
      });
    } finally {
      process.chdir(cwd);
    }
  });

  it('the pool size is a whole number from 1 to 10,000, from an option and from the environment (generated)', () => {
    expect(loadSettings({ isolated: true, poolSize: 10_000 }).poolSize).toBe(10_000);
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 10_001 }), fc.constantFrom(1e9, 2 ** 53, 1e300)), (n) => {
        expect(() => loadSettings({ isolated: true, poolSize: n })).toThrow(/must be at most 10000/);
        // In decimal digits, as text must be (1e300 would be refused for its form: settings-numbers-property).
        const digits = n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 0 });
        expect(() => loadSettings({ home: dir, env: { ORION_DATABASE_POOL_SIZE: digits } })).toThrow(
          /ORION_DATABASE_POOL_SIZE \(from env\) must be at most 10000/,
        );
      }),
    );
  });
});
