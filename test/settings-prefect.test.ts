/**
 * People coming from Prefect (issue 12 §2, semantics.md §4): a Prefect home's profiles.toml is read
 * for Prefect 3's database names only, PREFECT_PROFILE picks its profile, Prefect's environment
 * names count after ours, and URL options only SQLAlchemy or asyncpg understand become notes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, loadSettings, parseDatabaseUrl } from '../src/index.js';
import { describeOrigin } from '../src/settings/sources.js';

let prefectHome: string;
let file: string;
beforeEach(() => {
  prefectHome = mkdtempSync(join(tmpdir(), 'prefect-home-'));
  file = join(prefectHome, 'profiles.toml');
});
afterEach(() => rmSync(prefectHome, { recursive: true, force: true }));

/** A profiles.toml as Prefect writes and people edit it: comments, typed values, many keys not ours. */
function prefectProfiles(extraLocal = ''): void {
  writeFileSync(
    file,
    `# Prefect profiles
active = "local"

[profiles.ephemeral]
PREFECT_SERVER_ALLOW_EPHEMERAL_MODE = "true"

[profiles.local]
# the server started by prefect server start
PREFECT_API_URL = "http://127.0.0.1:4200/api"
PREFECT_LOGGING_LEVEL = "DEBUG"
PREFECT_SERVER_DATABASE_CONNECTION_URL = "sqlite+aiosqlite:////srv/prefect/server.db"
PREFECT_API_DATABASE_CONNECTION_URL = "sqlite+aiosqlite:////srv/prefect/legacy.db"
PREFECT_API_DATABASE_TIMEOUT = 20
PREFECT_SERVER_DATABASE_MIGRATE_ON_START = false
ORION_DATABASE_COLOUR = "ignored in a Prefect file"
${extraLocal}
[profiles.cloud]
PREFECT_API_URL = "https://api.prefect.cloud/api/accounts/a/workspaces/w"
PREFECT_API_KEY = "pnu_not_ours"
PREFECT_SQLALCHEMY_POOL_SIZE = 12
PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_STATEMENT_CACHE_SIZE = 0
`,
  );
}

/** A table or an array under `key` in the default profile is a ConfigurationError naming the key and file. */
function refusesNonScalar(key: string, env: Record<string, string>): void {
  for (const bad of ['["a"]', '{ x = "a" }', '[]']) {
    writeFileSync(file, `[profiles.default]\n${key} = ${bad}\n`);
    const load = () => loadSettings({ env });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(
      new RegExp(`${key} in profile "default" in .*profiles\\.toml must be a single value`),
    );
  }
}

describe('a Prefect home', () => {
  it("reads the database settings of the file's active profile and ignores every other key", () => {
    prefectProfiles();
    const s = loadSettings({ env: { PREFECT_HOME: prefectHome } });
    expect(s.prefectHome).toBe(true);
    expect(s.profile).toBe('local');
    // The current name wins over the legacy alias in the same profile.
    expect(s.target).toEqual({ kind: 'sqlite', path: '/srv/prefect/server.db' });
    expect(s.origins.ORION_DATABASE_URL).toEqual({
      source: 'profile',
      name: 'PREFECT_SERVER_DATABASE_CONNECTION_URL',
      profile: 'local',
      file,
    });
    expect(describeOrigin(s.origins.ORION_DATABASE_URL)).toBe(`profile local in ${file}`);
    expect(s.timeoutSeconds).toBe(20);
    expect(s.origins.ORION_DATABASE_TIMEOUT.name).toBe('PREFECT_API_DATABASE_TIMEOUT');
    expect(s.migrateOnOpen).toBe(false);
    expect(s.poolSize).toBe(5);
    expect(s.sources.ORION_DATABASE_POOL_SIZE).toBe('default');
    expect(s.notes).toEqual([]);
  });

  it('reads the profile PREFECT_PROFILE names, with its pool size and statement cache size', () => {
    prefectProfiles();
    const s = loadSettings({ env: { PREFECT_HOME: prefectHome, PREFECT_PROFILE: 'cloud' } });
    expect(s.profile).toBe('cloud');
    expect(s.poolSize).toBe(12);
    expect(s.origins.ORION_DATABASE_POOL_SIZE.name).toBe('PREFECT_SQLALCHEMY_POOL_SIZE');
    expect(s.preparedStatements).toBe(false);
    expect(s.sources.ORION_DATABASE_URL).toBe('default');
    // The default database lives in the home, beside Prefect's files, under our own name.
    expect(s.target).toEqual({ kind: 'sqlite', path: join(prefectHome, 'orion.db') });
  });

  it('ORION_PROFILE still picks the profile, and PREFECT_PROFILE does not touch our own file', () => {
    prefectProfiles();
    expect(loadSettings({ env: { PREFECT_HOME: prefectHome, ORION_PROFILE: 'cloud' } }).poolSize).toBe(12);
    const orionHome = mkdtempSync(join(tmpdir(), 'orion-home-'));
    try {
      writeFileSync(join(orionHome, 'profiles.toml'), '[profiles.default]\nORION_DATABASE_POOL_SIZE = 7\n');
      const s = loadSettings({
        env: { ORION_HOME: orionHome, PREFECT_HOME: prefectHome, PREFECT_PROFILE: 'x' },
      });
      expect([s.profile, s.poolSize, s.prefectHome]).toEqual(['default', 7, false]);
    } finally {
      rmSync(orionHome, { recursive: true, force: true });
    }
  });

  it('PREFECT_PROFILES_PATH names the Prefect file read (as Prefect reads it); the home stays put; ORION_HOME wins', () => {
    prefectProfiles();
    const otherHome = mkdtempSync(join(tmpdir(), 'prefect-other-'));
    try {
      for (const env of [
        { PREFECT_PROFILES_PATH: file },
        { PREFECT_PROFILES_PATH: file, PREFECT_HOME: otherHome },
      ]) {
        const s = loadSettings({ env });
        expect(s.prefectHome).toBe(true);
        expect([s.profile, s.timeoutSeconds]).toEqual(['local', 20]);
        expect(s.origins.ORION_DATABASE_URL).toMatchObject({ source: 'profile', file });
      }
      // The default database stays in the home, not beside the file.
      const s = loadSettings({
        env: { PREFECT_PROFILES_PATH: file, PREFECT_HOME: otherHome, PREFECT_PROFILE: 'cloud' },
      });
      expect(s.target).toEqual({ kind: 'sqlite', path: join(otherHome, 'orion.db') });
      // Our own home's file wins: PREFECT_PROFILES_PATH is Prefect's setting.
      writeFileSync(join(otherHome, 'profiles.toml'), '[profiles.default]\nORION_DATABASE_POOL_SIZE = 7\n');
      const own = loadSettings({ env: { ORION_HOME: otherHome, PREFECT_PROFILES_PATH: file } });
      expect([own.poolSize, own.prefectHome]).toEqual([7, false]);
      // A missing file named by it has no profile, as a missing profiles.toml.
      const missing = loadSettings({ env: { PREFECT_PROFILES_PATH: join(otherHome, 'none.toml') } });
      expect(missing.sources.ORION_DATABASE_URL).toBe('default');
    } finally {
      rmSync(otherHome, { recursive: true, force: true });
    }
  });

  it('environment: ORION names, then PREFECT_SERVER_DATABASE_*, then PREFECT_API_DATABASE_*, then the profile', () => {
    prefectProfiles();
    const base = { PREFECT_HOME: prefectHome };
    const legacy = { ...base, PREFECT_API_DATABASE_CONNECTION_URL: 'sqlite:////env/legacy.db' };
    const current = { ...legacy, PREFECT_SERVER_DATABASE_CONNECTION_URL: 'sqlite:////env/current.db' };
    const orion = { ...current, ORION_DATABASE_URL: 'sqlite:////env/orion.db' };
    const url = (env: Record<string, string>) => {
      const s = loadSettings({ env });
      return [(s.target as { path: string }).path, describeOrigin(s.origins.ORION_DATABASE_URL)];
    };
    expect(url(legacy)).toEqual(['/env/legacy.db', 'env PREFECT_API_DATABASE_CONNECTION_URL']);
    expect(url(current)).toEqual(['/env/current.db', 'env PREFECT_SERVER_DATABASE_CONNECTION_URL']);
    expect(url(orion)).toEqual(['/env/orion.db', 'env ORION_DATABASE_URL']);
    // An empty variable counts as unset, as for our own names.
    expect(url({ ...legacy, PREFECT_API_DATABASE_CONNECTION_URL: '' })).toEqual([
      '/srv/prefect/server.db',
      `profile local in ${file}`,
    ]);
    const env = {
      ...base,
      PREFECT_API_DATABASE_TIMEOUT: '3',
      PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE: '4',
      PREFECT_API_DATABASE_MIGRATE_ON_START: 'true',
      PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_PREPARED_STATEMENT_CACHE_SIZE: '0',
    };
    const s = loadSettings({ env });
    expect([s.timeoutSeconds, s.poolSize, s.migrateOnOpen, s.preparedStatements]).toEqual([
      3,
      4,
      true,
      false,
    ]);
    expect(s.sources.ORION_DATABASE_TIMEOUT).toBe('env');
  });

  it('Prefect names in the environment count without a Prefect home, too', () => {
    const s = loadSettings({ env: { ORION_HOME: prefectHome, PREFECT_SQLALCHEMY_POOL_SIZE: '6' } });
    expect([s.poolSize, s.prefectHome]).toEqual([6, false]);
  });

  it('a bad Prefect value names the Prefect key and where it was', () => {
    prefectProfiles('PREFECT_SERVER_DATABASE_TIMEOUT = "soon"\n');
    expect(() => loadSettings({ env: { PREFECT_HOME: prefectHome } })).toThrow(
      `PREFECT_SERVER_DATABASE_TIMEOUT (from profile "local" in ${file}) must be a positive number`,
    );
    // Our own (empty) home: the Prefect names come from the environment only.
    const orionHome = join(prefectHome, 'orion');
    const env = { ORION_HOME: orionHome, PREFECT_API_DATABASE_MIGRATE_ON_START: 'maybe' };
    expect(() => loadSettings({ env })).toThrow(
      /^PREFECT_API_DATABASE_MIGRATE_ON_START \(from env\) must be/,
    );
    const cache = {
      ORION_HOME: orionHome,
      PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_STATEMENT_CACHE_SIZE: '-1',
    };
    expect(() => loadSettings({ env: cache })).toThrow(ConfigurationError);
  });

  it('reads a profiles.toml with Prefect keys under ORION_HOME as a Prefect file (ORION_HOME=~/.prefect)', () => {
    writeFileSync(
      file,
      '# mine\nactive = "local"\n[profiles.local]\nPREFECT_SERVER_DATABASE_TIMEOUT = 30\nPREFECT_API_URL = "http://x"\n[profiles.pg]\nPREFECT_API_DATABASE_TIMEOUT = 7\n',
    );
    const s = loadSettings({ env: { ORION_HOME: prefectHome } });
    expect(s.prefectHome).toBe(true);
    expect(s.timeoutSeconds).toBe(30);
    expect(s.origins.ORION_DATABASE_TIMEOUT.name).toBe('PREFECT_SERVER_DATABASE_TIMEOUT');
    // PREFECT_PROFILE picks the profile of a Prefect file wherever it is found.
    const pg = loadSettings({ env: { ORION_HOME: prefectHome, PREFECT_PROFILE: 'pg' } });
    expect(pg.profile).toBe('pg');
    expect(pg.timeoutSeconds).toBe(7);
  });

  it('ignores Prefect keys it does not read whatever their TOML type; a table or array under a key it reads is refused', () => {
    prefectProfiles(
      'PREFECT_CLIENT_CUSTOM_HEADERS = {X-Test = "1"}\nPREFECT_SOME_LIST = ["a", 1]\n[profiles.local.nested]\nx = 1\n[profiles.ephemeral.more]\ny = {z = 2}',
    );
    const s = loadSettings({ env: { PREFECT_HOME: prefectHome } });
    expect(s.timeoutSeconds).toBe(20);
    refusesNonScalar('PREFECT_SERVER_DATABASE_CONNECTION_URL', { PREFECT_HOME: prefectHome });
  });

  it('refuses a table or an array under one of our keys in our own file (never turned into a string)', () => {
    refusesNonScalar('ORION_DATABASE_URL', { ORION_HOME: prefectHome });
  });

  it('refuses a profile that is not in the file, naming it, the file and the profiles there', () => {
    prefectProfiles();
    const cases: [Record<string, string>, string][] = [
      [{ PREFECT_HOME: prefectHome, PREFECT_PROFILE: 'pgg' }, 'pgg'],
      [{ PREFECT_HOME: prefectHome, ORION_PROFILE: 'typo' }, 'typo'],
    ];
    for (const [env, name] of cases) {
      const load = () => loadSettings({ env });
      expect(load).toThrow(ConfigurationError);
      expect(load).toThrow(`There is no profile "${name}" in ${file}; its profiles: ephemeral, local, cloud`);
    }
    expect(() => loadSettings({ env: { ORION_HOME: prefectHome }, profile: 'nope' })).toThrow(
      /There is no profile "nope"/,
    );
    writeFileSync(file, 'active = "gone"\n[profiles.default]\nORION_DATABASE_TIMEOUT = "3"\n');
    expect(() => loadSettings({ env: { ORION_HOME: prefectHome } })).toThrow(
      `There is no profile "gone" in ${file}; its profiles: default`,
    );
    writeFileSync(file, 'active = 5\n[profiles.default]\n');
    expect(() => loadSettings({ env: { ORION_HOME: prefectHome } })).toThrow(
      /"active" must be the name of a profile \(a string\), got 5/,
    );
    // No `active` and nothing asked: the implicit "default" profile may be absent.
    writeFileSync(file, '[profiles.ci]\nORION_DATABASE_TIMEOUT = "3"\n');
    expect(loadSettings({ env: { ORION_HOME: prefectHome } }).timeoutSeconds).toBe(10);
    // No file at all: the defaults, whatever profile is asked for.
    rmSync(file);
    expect(loadSettings({ env: { ORION_HOME: prefectHome, ORION_PROFILE: 'ci' } }).timeoutSeconds).toBe(10);
  });
});

describe('URL options Prefect users carry', () => {
  const pg = (query: string) =>
    loadSettings({ env: {}, url: `postgresql+asyncpg://u:pw@db:5432/prefect?${query}` });

  it('prepared_statement_cache_size=0 and statement_cache_size=0 turn prepared statements off', () => {
    for (const query of ['prepared_statement_cache_size=0', 'statement_cache_size=0']) {
      const s = pg(query);
      expect(s.preparedStatements).toBe(false);
      expect(s.target).toEqual({ kind: 'postgres', url: 'postgres://u:pw@db:5432/prefect' });
      expect(s.notes).toEqual([]);
    }
    expect(pg('prepared_statement_cache_size=100').preparedStatements).toBe(true);
    // The effective value and its origin are the URL option's (config view --show-sources prints them).
    const off = pg('prepared_statement_cache_size=0');
    expect(off.values.ORION_DATABASE_PREPARED_STATEMENTS).toBe('false');
    expect(off.sources.ORION_DATABASE_PREPARED_STATEMENTS).toBe('option');
    expect(describeOrigin(off.origins.ORION_DATABASE_PREPARED_STATEMENTS)).toBe(
      'the URL option prepared_statement_cache_size=0 (URL from option)',
    );
    const env = loadSettings({
      env: {
        PREFECT_API_DATABASE_CONNECTION_URL: 'postgresql+asyncpg://u@db/p?statement_cache_size=0',
        ORION_DATABASE_PREPARED_STATEMENTS: 'true',
      },
    });
    expect(env.preparedStatements).toBe(false);
    expect(describeOrigin(env.origins.ORION_DATABASE_PREPARED_STATEMENTS)).toBe(
      'the URL option statement_cache_size=0 (URL from env PREFECT_API_DATABASE_CONNECTION_URL)',
    );
    expect(pg('').origins.ORION_DATABASE_PREPARED_STATEMENTS.source).toBe('default');
    expect(() => pg('prepared_statement_cache_size=some')).toThrow(
      /ORION_DATABASE_URL \(from option\).*whole number/,
    );
  });

  it.each([
    ['ssl=require', 'sslmode=require'],
    ['sslmode=require', 'sslmode=require'],
    ['sslmode=allow', 'sslmode=prefer'],
    ['ssl=true', 'sslmode=verify-full'],
    ['ssl=disable', 'sslmode=disable'],
    ['sslmode=verify-ca&ssl=verify-ca', 'sslmode=verify-ca'],
    ['sslrootcert=system', 'sslrootcert=system'],
  ])('%s becomes %s for postgres.js', (query, kept) => {
    expect(pg(query).target).toEqual({ kind: 'postgres', url: `postgres://u:pw@db:5432/prefect?${kept}` });
  });

  it('refuses an SSL mode it does not know, and two that disagree', () => {
    expect(() => pg('ssl=maybe')).toThrow(ConfigurationError);
    expect(() => pg('ssl=require&sslmode=disable')).toThrow(/different SSL modes/);
  });

  it('drops client-only options with one note naming them and the setting, and keeps server parameters', () => {
    const s = pg(
      'command_timeout=30&application_name=etl&async_fallback=true&sslcert=/c.pem&search_path=app',
    );
    expect(s.target).toEqual({
      kind: 'postgres',
      url: 'postgres://u:pw@db:5432/prefect?application_name=etl&search_path=app',
    });
    expect(s.notes).toHaveLength(1);
    expect(s.notes[0]).toMatch(
      /^ORION_DATABASE_URL \(from option\): dropped the URL options command_timeout, async_fallback, sslcert:/,
    );
    expect(s.notes[0]).toContain('ORION_DATABASE_TIMEOUT');
    // The three timeouts asyncpg and libpq know make one sentence, said once.
    const timeouts = pg('command_timeout=5&timeout=3&connect_timeout=10').notes;
    expect(timeouts).toEqual([
      'ORION_DATABASE_URL (from option): dropped the URL options command_timeout, timeout, connect_timeout: understood only by SQLAlchemy, asyncpg or libpq, not sent to the server (ORION_DATABASE_TIMEOUT sets the connect and statement timeouts)',
    ]);
    expect(s.notes[0]).not.toContain('pw');
  });

  it('drops SQLite options it cannot honour with a note; Prefect’s own ones are understood', () => {
    const prefect = loadSettings({
      env: {},
      url: 'sqlite+aiosqlite:///file::memory:?cache=shared&uri=true&check_same_thread=false',
    });
    expect(prefect.notes).toEqual([]);
    const ro = loadSettings({ env: {}, url: 'sqlite:////tmp/x.db?mode=ro&timeout=5' });
    expect(ro.target).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(ro.notes).toEqual([
      'ORION_DATABASE_URL (from option): dropped the SQLite URL options mode=ro, timeout: not supported (the database is opened read-write; ORION_DATABASE_TIMEOUT sets the busy timeout)',
    ]);
  });

  it('parseDatabaseUrl gives the cleaned target', () => {
    expect(parseDatabaseUrl('postgresql+asyncpg://db/p?prepared_statement_cache_size=0&ssl=require')).toEqual(
      {
        kind: 'postgres',
        url: 'postgres://db/p?sslmode=require',
      },
    );
  });
});
