/**
 * `createTestDatabase` on a PostgreSQL it cannot use: every failure is the library's own error (the
 * mapping createDatabase uses), naming ORION_TEST_POSTGRES_URL, and nothing stays open. Most cases
 * need no server: a URL that is not PostgreSQL is refused before any connection, and the
 * unreachable case uses a closed port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, DatabaseError, OrionDbError, ValidationError } from '../src/errors.js';
import { createTestDatabase, resolvePostgresSource } from '../src/testing/index.js';
import { postgresIsServer, postgresServerUrl } from './support/dialects.js';

const saved = { url: process.env.ORION_TEST_POSTGRES_URL, mode: process.env.ORION_TEST_POSTGRES };
afterEach(() => {
  for (const [key, value] of [
    ['ORION_TEST_POSTGRES_URL', saved.url],
    ['ORION_TEST_POSTGRES', saved.mode],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** The error createTestDatabase({ dialect: 'postgresql' }) throws with this environment. */
async function refusal(env: { url?: string; mode?: string }): Promise<OrionDbError> {
  if (env.url === undefined) delete process.env.ORION_TEST_POSTGRES_URL;
  else process.env.ORION_TEST_POSTGRES_URL = env.url;
  if (env.mode === undefined) delete process.env.ORION_TEST_POSTGRES;
  else process.env.ORION_TEST_POSTGRES = env.mode;
  const error = await createTestDatabase({ dialect: 'postgresql' }).then(
    async (db) => {
      await db.close();
      throw new Error('createTestDatabase opened a database');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrionDbError);
  return error as OrionDbError;
}

/** Sockets and timers, so a test can tell the helper left none behind. */
const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;

describe('createTestDatabase: an ORION_TEST_POSTGRES_URL it cannot use', () => {
  it.each([
    ['not a url', 'SQLite file'],
    ['sqlite:///tmp/x.db', 'SQLite file'],
    ['pglite://memory', 'PGlite database'],
    ['mysql://u@h/db', 'not supported'],
  ])('%s is a ConfigurationError naming the variable', async (url, says) => {
    const error = await refusal({ url });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('ORION_TEST_POSTGRES_URL');
    expect(error.message).toContain(says);
  });

  it('an unreachable server (a closed port) is a retryable DatabaseError naming the variable', async () => {
    const before = handles();
    const error = await refusal({ url: 'postgresql://postgres@127.0.0.1:5999/postgres' });
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).retryable).toBe(true);
    expect(error.message).toContain('ORION_TEST_POSTGRES_URL');
    expect(error.message).toContain('ECONNREFUSED');
    await expect.poll(handles).toBeLessThanOrEqual(before);
  });
});

describe('createTestDatabase: ORION_TEST_POSTGRES and its options', () => {
  it('an unknown ORION_TEST_POSTGRES is a ConfigurationError listing the accepted values', async () => {
    const error = await refusal({ mode: 'bogus' });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('"bogus"');
    expect(error.message).toContain('"pglite"');
  });

  it('a blank ORION_TEST_POSTGRES_URL is unset, as an empty one is', async () => {
    for (const url of ['', ' ', '\t\n']) {
      const source = await resolvePostgresSource({
        ORION_TEST_POSTGRES: 'pglite',
        ORION_TEST_POSTGRES_URL: url,
      });
      expect(source.kind).toBe('pglite');
      // Without the mode: the same as no variable (testcontainers where Docker answers, else PGlite).
      const unset = await resolvePostgresSource({});
      expect((await resolvePostgresSource({ ORION_TEST_POSTGRES_URL: url })).kind).toBe(unset.kind);
    }
  });

  it.each([
    [{ dialect: 'sqlite', foo: 1 }, 'foo'],
    [{ dialect: 'postgres' }, 'dialect'],
    [{ migrated: 'yes' }, 'migrated'],
  ])('%j is a ValidationError naming %s', async (options, key) => {
    const error = await createTestDatabase(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain(key);
  });
});

const server = await postgresServerUrl();

describe.runIf(await postgresIsServer())('createTestDatabase: a server that refuses', () => {
  const on = (change: (u: URL) => void) => {
    const u = new URL(server ?? '');
    change(u);
    return u.toString();
  };

  it('a missing database is a ConfigurationError saying so', async () => {
    const before = handles();
    const error = await refusal({ url: on((u) => (u.pathname = '/orion_no_such_database')) });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('does not exist');
    expect(error.message).toContain('ORION_TEST_POSTGRES_URL');
    await expect.poll(handles).toBeLessThanOrEqual(before);
  });

  it('a missing role is a ConfigurationError about the login', async () => {
    const error = await refusal({ url: on((u) => (u.username = 'orion_no_such_role')) });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('refused the login');
    expect(error.message).toContain('ORION_TEST_POSTGRES_URL');
  });
});
