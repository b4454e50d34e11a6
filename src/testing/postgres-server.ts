import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import postgres from 'postgres';
import { guardedConnect } from '../dialect/postgres/connect-guard.js';
import { serverAddress } from '../dialect/postgres/server-address.js';
import { ConfigurationError } from '../errors.js';
import { DEFAULT_TIMEOUT_SECONDS } from '../settings/keys.js';
import { maskSecrets } from '../settings/mask.js';
import { parseDatabaseUrl } from '../settings/url.js';
import { databaseUrl, ensureTemplate, forgetTemplate, templateName } from './postgres-template.js';

/** Where the Postgres side of a test run comes from. */
export type PostgresSource =
  | { kind: 'url'; url: string; description: string }
  | { kind: 'testcontainers'; url: string; description: string }
  | { kind: 'pglite'; description: string };

/** Resolutions by the environment they were made from (a test may change it between calls). */
const resolved = new Map<string, Promise<PostgresSource>>();
let stopContainer: (() => Promise<void>) | undefined;

/** The values ORION_TEST_POSTGRES accepts (docs/testing.md). */
export const TEST_POSTGRES_MODES = ['pglite'] as const;

function hostOf(url: string): string {
  try {
    const { host, port, path } = serverAddress(url);
    if (path) return path;
    return host[0]?.includes(':') ? `[${host[0]}]:${port[0]}` : `${host[0]}:${port[0]}`;
  } catch {
    return 'an unparseable URL';
  }
}

/**
 * ORION_TEST_POSTGRES_URL understood by the settings' own URL parser (Prefect's driver forms
 * included); anything but a PostgreSQL server URL is a ConfigurationError naming the variable.
 */
function serverUrlOf(raw: string): string {
  const target = parseDatabaseUrl(raw, 'ORION_TEST_POSTGRES_URL');
  if (target.kind !== 'postgres') {
    throw new ConfigurationError(
      `ORION_TEST_POSTGRES_URL ${JSON.stringify(maskSecrets(raw.trim()))} is not a PostgreSQL URL (it reads as a ${target.kind === 'sqlite' ? 'SQLite file' : 'PGlite database'}): ` +
        'it must name a PostgreSQL server (postgresql://user@host:port/database); for PGlite set ORION_TEST_POSTGRES=pglite instead',
    );
  }
  return target.url;
}

/**
 * Finds a PostgreSQL for tests, in order: ORION_TEST_POSTGRES_URL; a testcontainers container when
 * a Docker engine answers; PGlite otherwise. `ORION_TEST_POSTGRES=pglite` forces PGlite. Resolved
 * once per process and value of those two variables.
 * @throws ConfigurationError for an ORION_TEST_POSTGRES value other than `pglite`, or an
 * ORION_TEST_POSTGRES_URL that is not a PostgreSQL URL
 * @example console.log(`PostgreSQL side: ${(await resolvePostgresSource()).description}`);
 */
export function resolvePostgresSource(
  env: Record<string, string | undefined> = process.env,
): Promise<PostgresSource> {
  const mode = env.ORION_TEST_POSTGRES;
  // Blank is unset, as empty is (a trial found `""` meant PGlite and `" "` an error).
  const url = env.ORION_TEST_POSTGRES_URL?.trim() || undefined;
  const key = JSON.stringify([mode ?? null, url ?? null]);
  let found = resolved.get(key);
  if (found) return found;
  found = (async (): Promise<PostgresSource> => {
    if (mode !== undefined && mode !== '' && !(TEST_POSTGRES_MODES as readonly string[]).includes(mode)) {
      throw new ConfigurationError(
        `ORION_TEST_POSTGRES ${JSON.stringify(mode)} is not understood: the accepted values are ${TEST_POSTGRES_MODES.map((m) => `"${m}"`).join(', ')} (or leave it unset)`,
      );
    }
    // ORION_TEST_POSTGRES=pglite forces PGlite (CI's PGlite job), even where a server or Docker exists.
    if (mode === 'pglite') return { kind: 'pglite', description: 'PGlite (ORION_TEST_POSTGRES=pglite)' };
    if (url) {
      const server = serverUrlOf(url);
      return {
        kind: 'url',
        url: server,
        description: `server at ${hostOf(server)} (ORION_TEST_POSTGRES_URL)`,
      };
    }
    try {
      // Optional peer dependency: absent, or without Docker it fails fast and we fall back.
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:16-alpine').start();
      stopContainer = async () => {
        await container.stop();
      };
      const containerUrl = container.getConnectionUri();
      return {
        kind: 'testcontainers',
        url: containerUrl,
        description: `testcontainers at ${hostOf(containerUrl)}`,
      };
    } catch {
      return { kind: 'pglite', description: 'PGlite (no ORION_TEST_POSTGRES_URL and no Docker engine)' };
    }
  })();
  resolved.set(key, found);
  // A refused value is not kept: the next call reads the variables again.
  found.catch(() => resolved.delete(key));
  return found;
}

export async function stopPostgresSource(): Promise<void> {
  await stopContainer?.();
  stopContainer = undefined;
}

/** The first key of the owner locks (`pg_advisory_lock(OWNER_LOCK_CLASS, token)`). */
const OWNER_LOCK_CLASS = 710_471;
/** Test database names: `orion_test_<owner token>_<sequence>`. */
const TEST_DATABASE = /^orion_test_(\d+)_[0-9a-z]+$/;

interface Owner {
  token: number;
  /**
   * The connection holding the owner lock, which also sends the helper's CREATE and DROP DATABASE
   * (a new connection per test database cost a connect and an authentication each way). Its socket
   * is unref'd while idle, so it never keeps a process alive, and ref'd while a query is pending.
   */
  sql: postgres.Sql;
  sockets: Socket[];
  /** Queries pending on `sql` through `withOwner`. */
  busy: number;
  /** Its databases not dropped yet: the lock is kept while any is, even past `releaseOwners`. */
  live: Set<string>;
  /** `releaseOwners` ran while databases were live: the last drop ends the connection. */
  released: boolean;
}
/** The owner of each live test database, by name (its drop goes through the owner that made it). */
const liveOwners = new Map<string, Owner>();
const owners = new Map<string, Promise<Owner>>();
let sequence = 0;

/**
 * This process's owner token on a server: a session advisory lock held as long as the process runs.
 * The databases the process creates carry the token in their name, so a later process can tell
 * orphaned databases (their owner's lock is free: it exited or was killed) from live ones
 * (semantics.md §9). The first call also sweeps the orphans.
 */
function ownerOn(serverUrl: string): Promise<Owner> {
  const key = serverKey(serverUrl);
  let owner = owners.get(key);
  if (!owner) {
    owner = (async () => {
      const sockets: Socket[] = [];
      const sql = postgres(serverUrl, {
        // Arrays, which postgres.js takes though its types say one string (server-address.ts).
        ...(serverAddress(serverUrl) as object),
        max: 1,
        onnotice: () => {},
        // No recycling: the lock must live as long as the process, and postgres.js's lifetime timer
        // would keep the process alive.
        max_lifetime: 0,
        // The library's bounded connect (connect-guard.ts): a server that never answers, or accepts
        // and closes, fails within the default timeout naming its host and port. Its sockets are
        // kept, to be unref'd once the setup is done (postgres.js's types do not declare `socket`).
        ...(guardedConnect(DEFAULT_TIMEOUT_SECONDS, (socket) => sockets.push(socket)) as object),
      });
      try {
        for (;;) {
          const token = randomInt(1, 2 ** 31 - 1);
          const [row] = await sql.unsafe('select pg_try_advisory_lock($1, $2) as locked', [
            OWNER_LOCK_CLASS,
            token,
          ]);
          if (row?.locked) {
            const found: Owner = { token, sql, sockets, busy: 0, live: new Set(), released: false };
            await sweepOrphans(found);
            for (const socket of sockets) socket.unref();
            return found;
          }
        }
      } catch (error) {
        // A server that refused us leaves nothing open: no socket, no reconnect timer.
        await sql.end({ timeout: 0 }).catch(() => {});
        throw error;
      }
    })();
    owners.set(key, owner);
    owner.catch(() => owners.delete(key));
  }
  return owner;
}

function serverKey(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.pathname = '/';
  return u.toString();
}

/**
 * Drops the test databases whose owner no longer holds its lock. Each owner's lock is taken while
 * its databases are dropped, so two sweepers never drop for one owner at once, and released after.
 */
async function sweepOrphans(owner: Owner): Promise<string[]> {
  const rows = await owner.sql.unsafe<{ datname: string }[]>(
    "select datname from pg_database where datname like 'orion\\_test\\_%'",
  );
  const byToken = new Map<number, string[]>();
  for (const { datname } of rows) {
    const match = TEST_DATABASE.exec(datname);
    if (!match) continue;
    const token = Number(match[1]);
    if (token === owner.token) continue;
    byToken.set(token, [...(byToken.get(token) ?? []), datname]);
  }
  const dropped: string[] = [];
  for (const [token, names] of byToken) {
    const [row] = await owner.sql.unsafe('select pg_try_advisory_lock($1, $2) as locked', [
      OWNER_LOCK_CLASS,
      token,
    ]);
    if (!row?.locked) continue; // its process is alive
    try {
      for (const name of names) {
        await owner.sql.unsafe(`drop database if exists ${name} with (force)`);
        dropped.push(name);
      }
    } finally {
      await owner.sql.unsafe('select pg_advisory_unlock($1, $2)', [OWNER_LOCK_CLASS, token]);
    }
  }
  return dropped;
}

/**
 * Ends the owner-lock connections (the process's databases become sweepable). An owner whose
 * databases are still open keeps its lock until the last of them is dropped: releasing it then
 * let the next creation, in this process or another, sweep a database a test still used (a fresh
 * user's trial: `releaseTestResources()` between two `createTestDatabase()`s).
 */
export async function releaseOwners(): Promise<void> {
  const all = [...owners.values()];
  owners.clear();
  for (const pending of all) {
    let owner: Owner;
    try {
      owner = await pending;
    } catch {
      continue; // an owner that never connected holds nothing
    }
    if (owner.live.size > 0) owner.released = true;
    else await endOwner(owner);
  }
}

async function endOwner({ sql, sockets }: Owner): Promise<void> {
  // Ref'd for the goodbye: with only unref'd sockets left, a script awaiting this would exit in
  // the middle of the await (status 13, an unsettled top-level await).
  for (const socket of sockets) socket.ref();
  await sql.end().catch(() => {});
}

/**
 * Runs `fn` on this process's owner connection to the server, holding the process alive meanwhile
 * (an unref'd socket with a query pending would let a script exit in the middle of the await).
 */
async function withOwner<T>(serverUrl: string, fn: (owner: Owner) => Promise<T>): Promise<T> {
  return useOwner(await ownerOn(serverUrl), fn);
}

async function useOwner<T>(owner: Owner, fn: (owner: Owner) => Promise<T>): Promise<T> {
  if (owner.busy++ === 0) for (const socket of owner.sockets) socket.ref();
  try {
    return await fn(owner);
  } finally {
    if (--owner.busy === 0) for (const socket of owner.sockets) socket.unref();
  }
}

const code = (error: unknown) => (error as { code?: string }).code;

/**
 * Creates a database for one test: a copy of the migrated template (postgres-template.ts), or with
 * `migrated: false` an empty one. Per test database this is one statement on a connection the
 * process keeps: `CREATE DATABASE … TEMPLATE`, the floor.
 * @param migrationsDir the migrations folder the template is built from (default: the packaged one)
 */
export async function createServerDatabase(
  serverUrl: string,
  migrated: boolean,
  migrationsDir?: string,
): Promise<string> {
  return withOwner(serverUrl, async (owner) => {
    const { sql, token } = owner;
    const name = `orion_test_${token}_${(sequence++).toString(36)}`;
    const made = () => {
      owner.live.add(name);
      liveOwners.set(name, owner);
      return databaseUrl(serverUrl, name);
    };
    if (!migrated) {
      await sql.unsafe(`create database ${name}`);
      return made();
    }
    const template = templateName(migrationsDir);
    await ensureTemplate(sql, serverUrl, template, migrationsDir);
    for (let attempt = 1; ; attempt++) {
      try {
        await sql.unsafe(`create database ${name} template ${template}`);
        return made();
      } catch (error) {
        if (code(error) === '3D000' && attempt === 1) {
          // The template was dropped while this process ran (docs/testing.md tells how): rebuild.
          forgetTemplate(serverUrl, template);
          await ensureTemplate(sql, serverUrl, template, migrationsDir);
          continue;
        }
        // "source database is being accessed by other users": a session on the template (a
        // builder renaming it, someone looking at it); retry.
        if (code(error) !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  });
}

/**
 * Drops a test database, ending the sessions still on it, through the owner that made it; a
 * released owner's last drop ends its connection.
 */
export async function dropServerDatabase(serverUrl: string, database: string): Promise<void> {
  const drop = ({ sql }: Owner) => sql.unsafe(`drop database if exists ${database} with (force)`);
  const owner = liveOwners.get(database);
  if (!owner) {
    await withOwner(serverUrl, drop);
    return;
  }
  await useOwner(owner, drop);
  owner.live.delete(database);
  liveOwners.delete(database);
  if (owner.released && owner.live.size === 0) await endOwner(owner);
}
