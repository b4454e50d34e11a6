/**
 * What `orion-db config set` writes, the next open reads. A fresh user's trial ran
 * `ORION_PROFILE=ci orion-db config set …` on a fresh home: the file said `active = "default"`
 * with only `[profiles.ci]` in it, and every later command and `createDatabase()` without
 * ORION_PROFILE was refused ("There is no profile "default""). `active` is now written only as the
 * file had it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/index.js';
import { DEFAULT_TIMEOUT_SECONDS } from '../src/settings/keys.js';
import { type ProfilesFile, profilesPath, readProfiles, writeProfiles } from '../src/settings/profiles.js';
import { ROOT, run } from './support/spawn.js';

const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const homes: string[] = [];
const freshHome = () => {
  const home = mkdtempSync(join(tmpdir(), 'orion-profile-write-'));
  homes.push(home);
  return home;
};
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** The bin with only ORION_HOME and the given variables of ours (the shell's own left out). */
function cli(args: string[], env: NodeJS.ProcessEnv) {
  const base = { ...process.env };
  for (const key of Object.keys(base))
    if (key.startsWith('ORION_') || key.startsWith('PREFECT_')) delete base[key];
  return run(process.execPath, [BIN, ...args], { env: { ...base, ...env } });
}

describe('profiles.toml as config set writes it', () => {
  it('ORION_PROFILE=ci config set on a fresh home leaves plain opens working; the folders it makes are 0700', async () => {
    const root = freshHome();
    const home = join(root, 'a', 'b');
    const set = await cli(['config', 'set', 'ORION_DATABASE_TIMEOUT=7'], {
      ORION_HOME: home,
      ORION_PROFILE: 'ci',
    });
    expect(set.code, set.stderr).toBe(0);
    expect(readFileSync(profilesPath(home), 'utf8')).not.toMatch(/^active/m);
    // Owner-only, as a database's folders (docs/database.md); the folder that was there keeps its mode.
    for (const made of [join(root, 'a'), home]) expect(statSync(made).mode & 0o777).toBe(0o700);
    expect(statSync(profilesPath(home)).mode & 0o777).toBe(0o600);
    const view = await cli(['config', 'view'], { ORION_HOME: home });
    expect(view.code, view.stderr).toBe(0);
    expect(loadSettings({ env: { ORION_HOME: home } }).profile).toBe('default');
    expect(
      loadSettings({ env: { ORION_HOME: home, ORION_PROFILE: 'ci' } }).values.ORION_DATABASE_TIMEOUT,
    ).toBe('7');
  });

  it('property: after any writes, the active profile is the one the file named and a plain open reads it', () => {
    const name = fc.constantFrom('default', 'ci', 'dev');
    fc.assert(
      fc.property(
        fc.option(name, { nil: null }),
        fc.array(fc.tuple(name, fc.integer({ min: 1, max: 99 })), { minLength: 1, maxLength: 5 }),
        (active, writes) => {
          const home = freshHome();
          let file: Pick<ProfilesFile, 'active' | 'profiles'> = { active, profiles: {} };
          for (const [profile, seconds] of writes) {
            file.profiles[profile] = { ...file.profiles[profile], ORION_DATABASE_TIMEOUT: String(seconds) };
            writeProfiles(home, file);
            const read = readProfiles(profilesPath(home));
            expect(read.active).toBe(active);
            expect(read.profiles).toEqual(file.profiles);
            file = { active: read.active, profiles: read.profiles };
          }
          const effective = active ?? 'default';
          const open = () => loadSettings({ env: { ORION_HOME: home } });
          if (active !== null && file.profiles[active] === undefined) {
            // A file that names a missing profile is the user's to mend; the library never writes one.
            expect(open).toThrow(/There is no profile/);
          } else {
            const timeout = file.profiles[effective]?.ORION_DATABASE_TIMEOUT;
            expect(open().values.ORION_DATABASE_TIMEOUT).toBe(timeout ?? String(DEFAULT_TIMEOUT_SECONDS));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
