/**
 * `loadSettings` and `createDatabase` take the same keys (one list, option-names.ts): a key one
 * refuses, the other refuses with the same words, naming the key and the option meant when one is
 * close. Found by a fresh-user trial: `loadSettings({ migrateOnStart: false })` was accepted (and
 * the key ignored), then `createDatabase` with the same options refused it. A profile key and a
 * `config set` key that are unknown name the setting meant the same way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createDatabase, loadSettings } from '../src/index.js';
import { unknownKeyError } from '../src/settings/keys.js';
import { DATABASE_OPTION_NAMES } from '../src/settings/option-names.js';

const home = mkdtempSync(join(tmpdir(), 'orion-known-keys-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const KNOWN: readonly string[] = DATABASE_OPTION_NAMES;

/** A known name with one edit: a letter dropped, doubled, replaced, or its case changed. */
const nearMiss = fc
  .tuple(fc.constantFrom(...KNOWN), fc.nat(), fc.constantFrom('drop', 'double', 'replace', 'case'))
  .map(([name, at, edit]) => {
    const i = at % name.length;
    if (edit === 'drop') return name.slice(0, i) + name.slice(i + 1);
    if (edit === 'double') return name.slice(0, i + 1) + name.slice(i);
    if (edit === 'replace') return `${name.slice(0, i)}x${name.slice(i + 1)}`;
    return name.toUpperCase();
  });
const anyKey = fc.oneof(
  fc.constantFrom(...KNOWN, 'migrateOnStart', 'timeout', 'databaseUrl', 'constructor', 'toString'),
  nearMiss,
  fc.string({ minLength: 1, maxLength: 12 }),
);

/** The refusal `call` gives for `options`, or undefined when it takes them. */
function refusalOf(call: () => unknown): string | undefined {
  try {
    call();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
}

describe('loadSettings and createDatabase take the same keys', () => {
  it('a key is refused by both, in the same words, or by neither (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(anyKey, async (key) => {
        const options = { isolated: true, url: ':memory:', [key]: undefined };
        const fromLoad = refusalOf(() => loadSettings(options));
        if (KNOWN.includes(key)) {
          expect(fromLoad).toBeUndefined();
          return;
        }
        expect(fromLoad).toBeDefined();
        expect(fromLoad).toContain(`has no option ${JSON.stringify(key)}`);
        // An unknown key is refused before anything opens, so this never opens a database.
        const fromCreate = await createDatabase(options).then(
          async (db) => {
            await db.close();
            return undefined;
          },
          (error: unknown) => (error as Error).message,
        );
        expect(fromCreate?.replace(/^createDatabase\(\)/, 'loadSettings()')).toBe(fromLoad);
      }),
      { numRuns: 200, examples: [['migrateOnStart'], ['verifyOnOpen'], ['client']] },
    );
  });

  it('migrateOnStart is refused naming migrateOnOpen', () => {
    expect(() => loadSettings({ migrateOnStart: false } as never)).toThrow(
      'loadSettings() has no option "migrateOnStart"; did you mean "migrateOnOpen"?',
    );
  });

  it('the options of an open are taken: what createDatabase takes, loadSettings takes', () => {
    const settings = loadSettings({ isolated: true, url: ':memory:', verifyOnOpen: false } as never);
    expect(settings.target.kind).toBe('sqlite');
  });
});

describe('an unknown setting key names the setting meant', () => {
  it('in our own profiles.toml', () => {
    const file = join(home, 'profiles.toml');
    writeFileSync(file, '[profiles.default]\nORION_DATABASE_MIGRATE_ON_OPEN = "false"\n');
    expect(() => loadSettings({ home, env: {} })).toThrow(
      /unknown setting ORION_DATABASE_MIGRATE_ON_OPEN; did you mean ORION_DATABASE_MIGRATE_ON_START\?/,
    );
    rmSync(file);
  });

  it('for config set (and nothing meant for a key like none of them)', () => {
    expect(unknownKeyError('ORION_DATABASE_TIMEOUTS').message).toContain(
      'did you mean ORION_DATABASE_TIMEOUT?',
    );
    expect(unknownKeyError('FOO').message).not.toContain('did you mean');
  });
});
