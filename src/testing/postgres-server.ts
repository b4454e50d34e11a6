import { createHash, randomInt } from 'node:crypto';
import { type Socket, connect } from 'node:net';
import postgres from 'postgres';
import { createDatabase } from '../database.js';
import { loadRevisions } from '../migrations/revisions.js';

/** Where the Postgres side of a test run comes from. */
export type PostgresSource =
  | { kind: 'url'; url: string; description: string }
  | { kind: 'testcontainers'; url: string; description: string }
  | { kind: 'pglite'; description: string };

let resolved: Promise<PostgresSource> | undefined;
let stopContainer: (() => Promise<void>) | undefined;

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}`;
  } catch {
    return 'an unparseable URL';
  }
}

/**
 * Finds a PostgreSQL for tests, in order: ORION_TEST_POSTGRES_URL; a testcontainers container when
 * a Docker engine answers; PGlite otherwise. Resolved once per process.
 * @example console.log(`PostgreSQL side: ${(await resolvePostgresSource()).description}`);
 */
export function resolvePostgresSource(
  env: Record<string, string | undefined> = process.env,
): Promise<PostgresSource> {
  resolved ??= (async (): Promise<PostgresSource> => {
    // ORION_TEST_POSTGRES=pglite forces PGlite (CI's PGlite job), even where a server or Docker exists.
    if (env.ORION_TEST_POSTGRES === 'pglite')
      return { kind: 'pglite', description: 'PGlite (ORION_TEST_POSTGRES=pglite)' };
    const url = env.ORION_TEST_POSTGRES_URL;
    if (url) return { kind: 'url', url, description: `server at ${hostOf(url)} (ORION_TEST_POSTGRES_URL)` };
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
  return resolved;
}

export async function stopPostgresSource(): Promise<void> {
  await stopContainer?.();
  stopContainer = undefined;
}

/** A name unique to the current migrations, so a changed migration never reuses a stale template. */
function templateName(): string {
  const revisions = loadRevisions('postgresql');
  const hash = createHash('sha256')
    .update(revisions.map((r) => r.checksum).join(','))
    .digest('hex')
    .slice(0, 12);
  return `orion_tpl_${hash}`;
}

export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

const TEMPLATE_LOCK = 7_104_711_000_218;
/** The first key of the owner locks (`pg_advisory_lock(OWNER_LOCK_CLASS, token)`). */
const OWNER_LOCK_CLASS = 710_471;
/** Test database names: `orion_test_<owner token>_<sequence>`. */
const TEST_DATABASE = /^orion_test_(\d+)_[0-9a-z]+$/;

interface Owner {
  token: number;
  /** The connection holding the owner lock; its socket is unref'd, so it never keeps a process alive. */
  sql: postgres.Sql;
}
const owners = new Map<string, Promise<Owner>>();
let sequence = 0;

/**
 * A socket factory for postgres.js (which takes a custom socket already connected) that keeps the
 * socket, so the owner-lock connection can be unref'd once its setup is done: it then lives as long
 * as the process without keeping it alive. (Unref'd while a query is pending, the process could
 * exit in the middle of the await.)
 */
function keptSocket(
  sockets: Socket[],
): (options: { host: string[]; port: number[]; path?: string }) => Promise<Socket> {
  return (options) =>
    new Promise((resolve, reject) => {
      const socket = options.path ? connect(options.path) : connect(options.port[0]!, options.host[0]!);
      socket.once('connect', () => {
        sockets.push(socket);
        resolve(socket);
      });
      socket.once('error', reject);
    });
}

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
        max: 1,
        onnotice: () => {},
        // No recycling: the lock must live as long as the process, and postgres.js's lifetime timer
        // would keep the process alive.
        max_lifetime: 0,
        // postgres.js accepts a socket factory; its types do not declare the option.
        ...({ socket: keptSocket(sockets) } as object),
      });
      for (;;) {
        const token = randomInt(1, 2 ** 31 - 1);
        const [row] = await sql.unsafe('select pg_try_advisory_lock($1, $2) as locked', [
          OWNER_LOCK_CLASS,
          token,
        ]);
        if (row?.locked) {
          const found: Owner = { token, sql };
          await sweepOrphans(found);
          for (const socket of sockets) socket.unref();
          return found;
        }
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

/** Ends the owner-lock connections (the process's databases become sweepable). */
export async function releaseOwners(): Promise<void> {
  const all = [...owners.values()];
  owners.clear();
  for (const owner of all) {
    try {
      await (await owner).sql.end();
    } catch {
      // an owner that never connected holds nothing
    }
  }
}

/**
 * Creates a database for one test: from a migrated template database (CREATE DATABASE ... TEMPLATE
 * takes ~30 ms) or, with `migrated: false`, empty. The template is built once, under an advisory
 * lock so parallel test workers and processes do not race to build it.
 */
export async function createServerDatabase(serverUrl: string, migrated: boolean): Promise<string> {
  const owner = await ownerOn(serverUrl);
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const name = `orion_test_${owner.token}_${(sequence++).toString(36)}`;
    if (!migrated) {
      await admin.unsafe(`create database ${name}`);
      return databaseUrl(serverUrl, name);
    }
    const template = templateName();
    await admin.begin(async (tx) => {
      await tx.unsafe(`select pg_advisory_xact_lock(${TEMPLATE_LOCK})`);
      const [exists] = await tx.unsafe('select 1 from pg_database where datname = $1', [template]);
      if (exists) return;
      // CREATE DATABASE cannot run inside a transaction block: use a second connection while holding the lock.
      const builder = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await builder.unsafe(`create database ${template}_building`);
        const db = await createDatabase({
          url: databaseUrl(serverUrl, `${template}_building`),
          migrateOnOpen: true,
          isolated: true,
        });
        await db.close();
        await builder.unsafe(`alter database ${template}_building rename to ${template}`);
      } catch (error) {
        await builder.unsafe(`drop database if exists ${template}_building`);
        throw error;
      } finally {
        await builder.end();
      }
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name} template ${template}`);
        break;
      } catch (error) {
        // "source database is being accessed by other users": a concurrent CREATE DATABASE; retry.
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
    return databaseUrl(serverUrl, name);
  } finally {
    await admin.end();
  }
}

export async function dropServerDatabase(serverUrl: string, database: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${database} with (force)`);
  } finally {
    await admin.end();
  }
}
