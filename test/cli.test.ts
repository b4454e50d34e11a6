import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRevisions } from '../src/migrations/revisions.js';
import { type BlankDatabase, blankDatabase } from './support/blank-database.js';
import { postgresIsServer } from './support/dialects.js';
import { ROOT, run } from './support/spawn.js';

// The CLI test runs the built package (npm test builds before vitest runs).
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const serverAvailable = await postgresIsServer();

describe.each(['sqlite', 'postgresql'] as const)('orion-db as a real process (%s)', (dialect) => {
  let home: string;
  let blank: BlankDatabase | undefined;
  let urlArgs: string[] = [];
  const revisions = loadRevisions(dialect);
  const cli = (args: string[], input?: string) =>
    run(process.execPath, [BIN, ...urlArgs, ...args], { env: { ...process.env, ORION_HOME: home }, input });

  beforeAll(async () => {
    expect(existsSync(BIN), `${BIN} is missing: run npm run build`).toBe(true);
    home = mkdtempSync(join(tmpdir(), 'orion-cli-'));
    if (dialect === 'postgresql') {
      if (serverAvailable) {
        blank = await blankDatabase('postgresql');
        urlArgs = ['--url', blank.url!];
      } else {
        // Without a server, the Postgres side runs on a PGlite data directory that each process reopens.
        urlArgs = ['--url', `pglite://${join(home, 'pgdata')}`];
      }
    }
  });
  afterAll(async () => {
    await blank?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  // About 25 spawns of the real bin: a minute and more on the loaded 2-core CI machine.
  it('walks upgrade, status, history, downgrade -r -1, downgrade -r <id>, dry runs and reset', async () => {
    if (dialect === 'sqlite') {
      // Commands that only look create nothing, and say the database is missing (semantics.md §3).
      const file = join(home, 'orion.db');
      for (const args of [['status'], ['history'], ['upgrade', '--dry-run'], ['downgrade', '--dry-run']]) {
        const looked = await cli(args);
        expect(looked.code, `${args.join(' ')}: ${looked.stdout} ${looked.stderr}`).toBe(1);
        expect(looked.stderr).toMatch(
          /^orion-db: There is no SQLite database at .*orion\.db.*orion-db upgrade/,
        );
        expect(looked.stderr.trim().split('\n')).toHaveLength(1);
      }
      expect((await cli(['config', 'view'])).code).toBe(0);
      expect(readdirSync(home)).toEqual([]);
      // upgrade is the command that creates it; back to base for the walk below.
      expect((await cli(['upgrade', '-y', '-r', '+1'])).code).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect((await cli(['downgrade', '-y', '-r', 'base'])).code).toBe(0);
    }
    let r = await cli(['status']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/current:\s+base/);

    r = await cli(['upgrade', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`-- upgrade ${revisions[0]!.revision} (initial)`);
    expect((await cli(['status'])).stdout).toMatch(/current:\s+base/);

    r = await cli(['upgrade', '-y']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Now at ${revisions.at(-1)!.revision}`);

    r = await cli(['history']);
    expect(r.stdout.trim().split('\n')).toHaveLength(revisions.length);
    expect(r.stdout).not.toContain('[ ]');

    r = await cli(['downgrade', '-y', '-r', '-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`downgraded ${revisions.at(-1)!.revision}`);
    expect((await cli(['status'])).stdout).toContain(`current:  ${revisions.at(-2)!.revision}`);

    r = await cli(['upgrade', '-y']);
    r = await cli(['downgrade', '--dry-run', '-r', 'base']);
    expect(r.stdout).toContain('-- downgrade');
    r = await cli(['downgrade', '-y', '-r', revisions[0]!.revision]);
    expect(r.code, r.stderr).toBe(0);
    expect((await cli(['status'])).stdout).toContain(`current:  ${revisions[0]!.revision}`);

    r = await cli(['reset', '-y']);
    expect(r.code, r.stderr).toBe(0);
    expect((await cli(['status'])).stdout).toMatch(/pending:\s+none/);

    r = await cli(['downgrade', '-y', '-r', 'base']);
    expect((await cli(['status'])).stdout).toMatch(/current:\s+base/);
  }, 240_000);

  it('refuses destructive commands without -y when there is no terminal', async () => {
    // (At base here: a downgrade is refused before it would ask, as out of range.)
    for (const args of [['upgrade'], ['reset']]) {
      const r = await cli(args, 'y\n');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^orion-db: Nothing was changed: there is no terminal to confirm .* Run it again with -y to proceed\.\n$/,
      );
    }
  });

  it('exits non-zero with a one-line reason on bad input', async () => {
    for (const args of [
      ['upgrade', '-y', '-r', 'nosuch'],
      ['downgrade', '-y', '-r', '+99'],
    ]) {
      const r = await cli(args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^orion-db: /);
    }
  });
});

describe('orion-db config and help', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'orion-cli-config-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const base = { ...process.env };
    for (const key of Object.keys(base))
      if (key.startsWith('ORION_') || key.startsWith('PREFECT_')) delete base[key];
    return run(process.execPath, [BIN, ...args], { env: { ...base, ORION_HOME: home, ...env } });
  };

  it('sets, views with sources, and unsets settings in the active profile', async () => {
    let r = await cli([
      'config',
      'set',
      'ORION_DATABASE_URL=postgresql://app:s3cret@db:5432/orion',
      'ORION_DATABASE_POOL_SIZE=8',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(home, 'profiles.toml'), 'utf8')).toContain('ORION_DATABASE_POOL_SIZE');
    r = await cli(['config', 'view', '--show-sources'], {
      ORION_DATABASE_TIMEOUT: '3',
      ORION_DATABASE_ENCRYPTION_KEY: 'k3y',
    });
    expect(r.code, r.stderr).toBe(0);
    const file = join(home, 'profiles.toml');
    expect(r.stdout).toContain(
      `ORION_DATABASE_URL='postgresql://app:********@db:5432/orion' (from profile default in ${file})`,
    );
    expect(r.stdout).toContain(`ORION_DATABASE_POOL_SIZE='8' (from profile default in ${file})`);
    expect(r.stdout).toContain("ORION_DATABASE_TIMEOUT='3' (from env ORION_DATABASE_TIMEOUT)");
    expect(r.stdout).toContain("ORION_DATABASE_MIGRATE_ON_START='true' (from default)");
    expect(r.stdout).toContain(
      "ORION_DATABASE_ENCRYPTION_KEY='********' (from env ORION_DATABASE_ENCRYPTION_KEY)",
    );
    expect(r.stdout).not.toContain('s3cret');
    expect(r.stdout).not.toContain('k3y');
    r = await cli(['config', 'unset', 'ORION_DATABASE_URL']);
    expect(r.code).toBe(0);
    expect((await cli(['config', 'view', '--show-sources'])).stdout).toMatch(
      /ORION_DATABASE_URL='sqlite:.*' \(from default\)/,
    );
    expect((await cli(['config', 'view'])).stdout).not.toContain('(from');
  });

  it('config generate-key prints a fresh 32-byte key, base64 or hex, that set stores and view masks', async () => {
    const first = await cli(['config', 'generate-key']);
    const second = await cli(['config', 'generate-key']);
    expect(first.code, first.stderr).toBe(0);
    const key = first.stdout.trim();
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(second.stdout.trim()).not.toBe(key);
    const hex = (await cli(['config', 'generate-key', '--hex'])).stdout.trim();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    let r = await cli(['config', 'set', `ORION_DATABASE_ENCRYPTION_KEY=${key}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(key);
    r = await cli(['config', 'view', '--show-sources']);
    expect(r.stdout).toContain(
      `ORION_DATABASE_ENCRYPTION_KEY='********' (from profile default in ${join(home, 'profiles.toml')})`,
    );
    expect(r.stdout).not.toContain(key);
    await cli(['config', 'unset', 'ORION_DATABASE_ENCRYPTION_KEY']);
    // A key typed with the wrong separator is not echoed back.
    r = await cli(['config', 'set', `ORION_DATABASE_ENCRYPTION_KEY:${key}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Unknown setting "ORION_DATABASE_ENCRYPTION_KEY"... (the rest not shown)');
    expect(r.stderr).not.toContain(key.slice(0, 20));
    r = await cli(['config', 'set', `ORION_DATABASE_ENCRYPTION_KEY:${hex}`]);
    expect(r.stderr).toContain('Expected KEY=VALUE, got argument 1 without "=" (not shown');
    expect(r.stderr).not.toContain(hex.slice(0, 20));
    // `KEY= value`: the value arrives as an argument of its own, and is not echoed either.
    r = await cli(['config', 'set', 'ORION_DATABASE_TIMEOUT=5', 'hunter2-passphrase']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('got argument 2 without "="');
    expect(r.stderr).not.toContain('hunter');
  });

  it('refuses unknown keys and malformed values, listing the known keys', async () => {
    let r = await cli(['config', 'set', 'ORION_DATABASE_COLOUR=blue']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('known settings: ORION_DATABASE_URL');
    r = await cli(['config', 'set', 'ORION_DATABASE_POOL_SIZE=many']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ORION_DATABASE_POOL_SIZE .* positive whole number/);
    r = await cli(['config', 'set', 'ORION_DATABASE_URL=mysql://x']);
    expect(r.code).toBe(1);
  });

  it('has --help on every command', async () => {
    for (const args of [
      [],
      ['upgrade'],
      ['downgrade'],
      ['reset'],
      ['status'],
      ['history'],
      ['config'],
      ['config', 'set'],
      ['config', 'view'],
      ['config', 'generate-key'],
    ]) {
      const r = await cli([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: orion-db');
    }
  });
});
