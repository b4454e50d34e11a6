/**
 * createDatabase and migrate refuse an option they do not know (a misspelling was ignored before:
 * `migrateOnStart: false` migrated anyway) with a ConfigurationError naming it and the option meant.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, type Database, createDatabase, migrate } from '../src/index.js';
import {
  DATABASE_OPTION_NAMES,
  MIGRATE_OPTION_NAMES,
  refuseUnknownOptions,
} from '../src/settings/option-names.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';

describe.each(DIALECTS)('unknown createDatabase options (%s)', (dialect) => {
  let db: Database;
  let dir: string;
  let url: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    dir = mkdtempSync(join(tmpdir(), 'orion-options-'));
    url = dialect === 'sqlite' ? `sqlite:///${join(dir, 'new.db')}` : db.settings.url;
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses migrateOnStart, naming it and migrateOnOpen, and opens nothing', async () => {
    const opening = createDatabase({ url, migrateOnStart: false } as never);
    await expect(opening).rejects.toBeInstanceOf(ConfigurationError);
    await expect(opening).rejects.toThrow(/no option "migrateOnStart"; did you mean "migrateOnOpen"\?/);
    expect(existsSync(join(dir, 'new.db'))).toBe(false);
  });

  it('suggests the option a typo meant, and none for a name unlike any', async () => {
    await expect(createDatabase({ url, poolsize: 2 } as never)).rejects.toThrow(/did you mean "poolSize"/);
    await expect(createDatabase({ url, urll: url } as never)).rejects.toThrow(/did you mean "url"/);
    const far = createDatabase({ url, zzzzzzzz: 1 } as never);
    await expect(far).rejects.toThrow(/no option "zzzzzzzz" \(options: url, /);
    await expect(far).rejects.not.toThrow(/did you mean/);
  });

  it('migrate() refuses unknown options too and knows its own', async () => {
    await expect(migrate({ url, target: 'head' } as never)).rejects.toThrow(
      /migrate\(\) has no option "target"/,
    );
    // Its own options pass the check (the SQLite dry run then finds no file: a MigrationError).
    const own = await migrate({ url, to: 'head', dryRun: true, isolated: true }).catch((e: unknown) => e);
    expect(own).not.toBeInstanceOf(ConfigurationError);
  });

  it('refuses an options value that is not an object', async () => {
    await expect(createDatabase(null as never)).rejects.toThrow(/takes an options object, got null/);
    await expect(createDatabase(['x'] as never)).rejects.toThrow(/takes an options object, got an array$/);
  });
});

describe('refuseUnknownOptions (property)', () => {
  const known = [...DATABASE_OPTION_NAMES, ...MIGRATE_OPTION_NAMES] as string[];
  it('accepts any set of known keys and refuses any other key, naming it', () => {
    fc.assert(
      fc.property(fc.subarray(known), fc.string({ minLength: 1 }), (keys, extra) => {
        const options = Object.fromEntries(keys.map((k) => [k, undefined]));
        expect(() => refuseUnknownOptions(options, known, 'migrate')).not.toThrow();
        fc.pre(!known.includes(extra) && extra !== '__proto__');
        const withExtra = { ...options, [extra]: 1 };
        expect(() => refuseUnknownOptions(withExtra, known, 'migrate')).toThrow(ConfigurationError);
        expect(() => refuseUnknownOptions(withExtra, known, 'migrate')).toThrow(JSON.stringify(extra));
      }),
    );
  });
});
