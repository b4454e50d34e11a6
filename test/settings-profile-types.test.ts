/**
 * What a TOML value in profiles.toml may be, per setting: a table, an array or a date is refused
 * for every key, and a text setting (the URL, the encryption key; ours or Prefect's names for
 * them) takes only a string, as the options do (`url: 42` is refused). A fresh user's trial wrote
 * `ORION_DATABASE_URL = 2024-01-01` and got a SQLite file named "Mon Jan 01 2024 00:00:00 GMT…";
 * `ORION_DATABASE_URL = 5` opened a file named 5.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, loadSettings } from '../src/index.js';

const home = mkdtempSync(join(tmpdir(), 'orion-profile-types-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Loads settings from a profile holding `key = literal` (a TOML literal as written). */
function load(key: string, literal: string) {
  const prefect = key.startsWith('PREFECT_');
  writeFileSync(join(home, 'profiles.toml'), `[profiles.default]\n${key} = ${literal}\n`);
  return () => loadSettings({ env: prefect ? { PREFECT_HOME: home } : { ORION_HOME: home } });
}

const TEXT_KEYS = [
  'ORION_DATABASE_URL',
  'ORION_DATABASE_ENCRYPTION_KEY',
  'PREFECT_API_DATABASE_CONNECTION_URL',
  'PREFECT_SERVER_DATABASE_CONNECTION_URL',
];
const OTHER_KEYS = ['ORION_DATABASE_TIMEOUT', 'ORION_DATABASE_POOL_SIZE', 'ORION_DATABASE_MIGRATE_ON_START'];

/** TOML literals that are not strings. */
const notText = fc.oneof(
  fc.integer({ min: 1, max: 99 }).map(String),
  fc.constantFrom('true', 'false', '2.5', '0x10', '1e3', '1_000', 'inf', 'nan'),
  fc.constantFrom('2024-01-01', '07:32:00', '1979-05-27T07:32:00Z', '1979-05-27T07:32:00'),
);
const dates = fc.constantFrom('2024-01-01', '07:32:00', '1979-05-27T07:32:00Z', '1979-05-27T00:32:00-07:00');

describe('TOML values in profiles.toml', () => {
  it('property: a text setting given anything but a string is a ConfigurationError naming the key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXT_KEYS), notText, (key, literal) => {
        const error = (() => {
          try {
            load(key, literal)();
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toContain(key);
        expect((error as Error).message).toMatch(/must be a (string|single value)/);
      }),
      { numRuns: 60 },
    );
  });

  it('property: a date is refused for every setting, never read as its toString()', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXT_KEYS, ...OTHER_KEYS), dates, (key, literal) => {
        expect(load(key, literal)).toThrow(/not a TOML date/);
      }),
      { numRuns: 40 },
    );
  });

  it('strings stay accepted for text settings, and numbers and booleans for the others', () => {
    expect(load('ORION_DATABASE_URL', '"sqlite:///tmp/x.db"')().url).toBe('sqlite:///tmp/x.db');
    expect(load('ORION_DATABASE_TIMEOUT', '7')().timeoutSeconds).toBe(7);
    expect(load('ORION_DATABASE_MIGRATE_ON_START', 'false')().migrateOnOpen).toBe(false);
    expect(load('PREFECT_API_DATABASE_TIMEOUT', '20')().timeoutSeconds).toBe(20);
  });
});
