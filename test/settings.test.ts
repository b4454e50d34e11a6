import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, loadSettings, maskSecrets, parseDatabaseUrl } from '../src/index.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'orion-home-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const profile = (text: string) => writeFileSync(join(home, 'profiles.toml'), text);

describe('settings precedence', () => {
  it('uses the defaults under ORION_HOME when nothing is set', () => {
    const s = loadSettings({ env: { ORION_HOME: home } });
    expect(s.target).toEqual({ kind: 'sqlite', path: join(home, 'orion.db') });
    expect(s.timeoutSeconds).toBe(10);
    expect(s.poolSize).toBe(5);
    expect(s.preparedStatements).toBe(true);
    expect(s.migrateOnOpen).toBe(true);
    expect(s.encryptionKey).toBeNull();
    expect(Object.values(s.sources).every((source) => source === 'default')).toBe(true);
  });

  it('defaults ORION_HOME to ~/.orion', () => {
    expect(loadSettings({ env: {} }).home).toBe(join(homedir(), '.orion'));
  });

  it('prefers options over environment over the active profile over defaults', () => {
    profile(`active = "dev"
[profiles.dev]
ORION_DATABASE_URL = "sqlite:////from/profile.db"
ORION_DATABASE_TIMEOUT = "3"
ORION_DATABASE_POOL_SIZE = 7
[profiles.other]
ORION_DATABASE_PREPARED_STATEMENTS = "false"
`);
    const env = {
      ORION_HOME: home,
      ORION_DATABASE_TIMEOUT: '4',
      ORION_DATABASE_URL: 'sqlite:////from/env.db',
    };
    const s = loadSettings({ env, url: 'sqlite:////from/option.db' });
    expect(s.target).toEqual({ kind: 'sqlite', path: '/from/option.db' });
    expect(s.sources.ORION_DATABASE_URL).toBe('option');
    expect(s.timeoutSeconds).toBe(4);
    expect(s.sources.ORION_DATABASE_TIMEOUT).toBe('env');
    expect(s.poolSize).toBe(7);
    expect(s.sources.ORION_DATABASE_POOL_SIZE).toBe('profile');
    expect(s.preparedStatements).toBe(true);
    expect(s.sources.ORION_DATABASE_PREPARED_STATEMENTS).toBe('default');
    expect(s.profile).toBe('dev');
  });

  it('reads the profile ORION_PROFILE names instead of the active one', () => {
    profile(`active = "dev"
[profiles.dev]
ORION_DATABASE_POOL_SIZE = 7
[profiles.ci]
ORION_DATABASE_POOL_SIZE = 9
`);
    expect(loadSettings({ env: { ORION_HOME: home, ORION_PROFILE: 'ci' } }).poolSize).toBe(9);
  });

  it('honours the Prefect names only when the ORION names are unset', () => {
    const prefectHome = mkdtempSync(join(tmpdir(), 'prefect-home-'));
    try {
      const env = {
        PREFECT_HOME: prefectHome,
        PREFECT_API_DATABASE_CONNECTION_URL: 'postgresql+asyncpg://u:p@h/db',
      };
      const s = loadSettings({ env });
      expect(s.home).toBe(prefectHome);
      expect(s.target).toEqual({ kind: 'postgres', url: 'postgres://u:p@h/db' });
      expect(s.sources.ORION_DATABASE_URL).toBe('env');
      const both = loadSettings({ env: { ...env, ORION_HOME: home, ORION_DATABASE_URL: ':memory:' } });
      expect(both.home).toBe(home);
      expect(both.target).toEqual({ kind: 'sqlite', path: ':memory:' });
    } finally {
      rmSync(prefectHome, { recursive: true, force: true });
    }
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['FALSE', false],
    ['0', false],
    ['no', false],
  ])('accepts %s as a boolean', (raw, value) => {
    expect(
      loadSettings({ env: { ORION_HOME: home, ORION_DATABASE_MIGRATE_ON_START: raw } }).migrateOnOpen,
    ).toBe(value);
  });

  it.each([
    ['ORION_DATABASE_MIGRATE_ON_START', 'maybe'],
    ['ORION_DATABASE_TIMEOUT', '-1'],
    ['ORION_DATABASE_TIMEOUT', 'ten'],
    ['ORION_DATABASE_POOL_SIZE', '2.5'],
    ['ORION_DATABASE_POOL_SIZE', '0'],
  ])('refuses %s=%s naming the setting and its source', (key, value) => {
    expect(() => loadSettings({ env: { ORION_HOME: home, [key]: value } })).toThrow(ConfigurationError);
    expect(() => loadSettings({ env: { ORION_HOME: home, [key]: value } })).toThrow(
      new RegExp(`${key} \\(from env\\)`),
    );
  });

  it('refuses an unknown key in a profile, listing the known ones', () => {
    profile(`[profiles.default]\nORION_DATABASE_COLOUR = "blue"\n`);
    expect(() => loadSettings({ env: { ORION_HOME: home } })).toThrow(
      /ORION_DATABASE_COLOUR.*ORION_DATABASE_URL/,
    );
  });

  it('refuses a profiles.toml that is not TOML', () => {
    profile('active = ');
    expect(() => loadSettings({ env: { ORION_HOME: home } })).toThrow(ConfigurationError);
  });

  it('freezes the result', () => {
    const s = loadSettings({ env: { ORION_HOME: home } });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.sources)).toBe(true);
  });
});

describe('URL forms', () => {
  it.each([
    ['sqlite:///relative/path.db', { kind: 'sqlite', path: resolve('relative/path.db') }],
    ['sqlite:////absolute/path.db', { kind: 'sqlite', path: '/absolute/path.db' }],
    ['sqlite+aiosqlite:////abs/prefect.db', { kind: 'sqlite', path: '/abs/prefect.db' }],
    [
      'sqlite+aiosqlite:///file::memory:?cache=shared&uri=true&check_same_thread=false',
      { kind: 'sqlite', path: ':memory:', shared: ':memory:' },
    ],
    ['sqlite+aiosqlite:///file::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['file::memory:?cache=shared', { kind: 'sqlite', path: ':memory:', shared: ':memory:' }],
    ['sqlite:///file:jobs?mode=memory&cache=shared', { kind: 'sqlite', path: ':memory:', shared: 'jobs' }],
    ['sqlite:///file:jobs?mode=memory', { kind: 'sqlite', path: ':memory:' }],
    ['sqlite:///file:///abs/uri.db?uri=true', { kind: 'sqlite', path: '/abs/uri.db' }],
    ['file:/abs/uri.db', { kind: 'sqlite', path: '/abs/uri.db' }],
    ['sqlite:///:memory:', { kind: 'sqlite', path: ':memory:' }],
    [':memory:', { kind: 'sqlite', path: ':memory:' }],
    ['/plain/absolute.db', { kind: 'sqlite', path: '/plain/absolute.db' }],
    ['plain/relative.db', { kind: 'sqlite', path: resolve('plain/relative.db') }],
    ['~/orion.db', { kind: 'sqlite', path: join(homedir(), 'orion.db') }],
    ['postgres://u:p@localhost:5432/orion', { kind: 'postgres', url: 'postgres://u:p@localhost:5432/orion' }],
    ['postgresql://localhost/orion', { kind: 'postgres', url: 'postgres://localhost/orion' }],
    ['postgresql+asyncpg://u:p@db:5433/prefect', { kind: 'postgres', url: 'postgres://u:p@db:5433/prefect' }],
    ['pglite://memory', { kind: 'pglite', dataDir: null }],
    ['pglite:///abs/dir', { kind: 'pglite', dataDir: '/abs/dir' }],
  ])('understands %s', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });

  it.each([
    '',
    'mysql://root@localhost/orion',
    'sqlite://relative-without-third-slash.db',
    'pglite://relative/dir',
    'postgresql://u:secret@[bad-host/orion',
    'c:whatever',
    'sqlite:////nul\0.db',
    // An empty SQLite path (an unset variable in `sqlite:///${DIR}`) is not an in-memory database.
    'sqlite:///',
    'sqlite+aiosqlite:///',
    'sqlite:///%20%20',
    'sqlite:///?cache=shared',
    'sqlite:///file:',
    'file:',
    'file:?mode=ro',
  ])('refuses %j with a ConfigurationError naming the setting and source', (url) => {
    const attempt = () => loadSettings({ env: { ORION_HOME: home, ORION_DATABASE_URL: url } });
    if (url === '') {
      // An empty variable counts as unset.
      expect(attempt().sources.ORION_DATABASE_URL).toBe('default');
      return;
    }
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/ORION_DATABASE_URL \(from env\)/);
  });

  it('refuses every blank SQLite path unless mode=memory asks for memory (generated)', () => {
    const blank = fc.stringMatching(/^(%20|%09| |\t)*$/);
    const scheme = fc.constantFrom(
      'sqlite:///',
      'sqlite+aiosqlite:///',
      'sqlite+pysqlite:///',
      'sqlite:///file:',
      'file:',
    );
    const option = fc.constantFrom(
      'cache=shared',
      'uri=true',
      'mode=ro',
      'mode=rwc',
      'check_same_thread=false',
      'timeout=5',
    );
    fc.assert(
      fc.property(scheme, blank, fc.array(option, { maxLength: 3 }), (prefix, path, options) => {
        const url = `${prefix}${path}${options.length ? `?${options.join('&')}` : ''}`;
        expect(() => parseDatabaseUrl(url)).toThrow(/SQLite path is empty/);
        const memory = `${prefix}${path}?${[...options, 'mode=memory'].join('&')}`;
        expect(parseDatabaseUrl(memory)).toMatchObject({ kind: 'sqlite', path: ':memory:' });
      }),
    );
  });

  // A fresh-user trial: `postgresql://` connected as the OS user and migrated the server's `root`.
  it('refuses a PostgreSQL URL that names no database, whatever else it holds (generated)', () => {
    const scheme = fc.constantFrom('postgresql', 'postgres', 'postgresql+asyncpg', 'postgres+psycopg');
    const user = fc.constantFrom('', 'alice@', 'alice:secret@');
    const host = fc.constantFrom('', 'localhost', '127.0.0.1:5432', 'db.example.com', '[::1]:5433');
    const tail = fc.constantFrom('', '/', '?sslmode=disable', '/?application_name=x');
    fc.assert(
      fc.property(scheme, user, host, tail, (s, u, h, t) => {
        const url = `${s}://${u}${h}${t}`;
        // (A user with no host, `postgresql://alice@`, is not even a URL.)
        expect(() => parseDatabaseUrl(url)).toThrow(/names no database|names no host|not a valid URL/);
        expect(() => parseDatabaseUrl(url)).toThrow(ConfigurationError);
        const named = `${s}://${u}${h || 'localhost'}/orion${t.startsWith('/') ? t.slice(1) : t}`;
        expect(parseDatabaseUrl(named)).toMatchObject({ kind: 'postgres' });
      }),
    );
  });

  it('never prints a password', () => {
    let message = '';
    try {
      loadSettings({ env: { ORION_HOME: home, ORION_DATABASE_URL: 'postgresql://alice:hunter2@[bad/db' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('alice:********@');
    expect(message).not.toContain('hunter2');
  });
});

describe('maskSecrets', () => {
  it.each([
    ['postgresql://alice:s3cr%40t@db:5432/orion', 'postgresql://alice:********@db:5432/orion'],
    ['connect to postgres://u:p@h/d failed', 'connect to postgres://u:********@h/d failed'],
    ['host=h password=abc user=u', 'host=h password=******** user=u'],
    ['postgres://nopassword@h/d', 'postgres://nopassword@h/d'],
  ])('masks %s', (input, output) => {
    expect(maskSecrets(input)).toBe(output);
  });
});
