import { createHash } from 'node:crypto';
import postgres from 'postgres';
import { createDatabase } from '../database.js';
import { guardedConnect } from '../dialect/postgres/connect-guard.js';
import { serverAddress } from '../dialect/postgres/server-address.js';
import { loadRevisions } from '../migrations/revisions.js';
import { DEFAULT_TIMEOUT_SECONDS } from '../settings/keys.js';

/**
 * The migrated template database each PostgreSQL test database is copied from
 * (`CREATE DATABASE … TEMPLATE`). Its name carries a hash of the migrations, so a changed migration
 * set gets a template of its own and never a stale one; it is built once per server and migration
 * set, whatever the number of processes starting at once, and checked once per process.
 */

/** One advisory-lock key for every template build: builds are rare, one at a time is enough. */
const TEMPLATE_LOCK = 7_104_711_000_218;

/**
 * `orion_tpl_<hash>`: the hash covers every PostgreSQL revision's checksum in order, so adding,
 * removing or editing a migration (the head moving) names a new template.
 * @param migrationsDir the migrations folder (default: the packaged one)
 */
export function templateName(migrationsDir?: string): string {
  const revisions = loadRevisions('postgresql', migrationsDir);
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

/** Templates this process knows exist, by server and name: later test databases skip the check. */
const ready = new Map<string, Promise<void>>();

/**
 * Makes sure template `name` exists on the server, building it if not. The first call per process
 * takes the template lock (a transaction-scoped advisory lock, so a killed builder frees it), looks
 * for the template and, when missing, migrates `<name>_building` on a second connection and renames
 * it: the template name only ever shows a complete template, and processes that waited on the lock
 * find it there. Later calls in the process answer from memory; `forget` drops that memory when the
 * template turned out to be gone (dropped by hand while the process ran).
 * @param admin a connection to the server's maintenance database, kept by the caller
 */
export function ensureTemplate(
  admin: postgres.Sql,
  serverUrl: string,
  name: string,
  migrationsDir?: string,
): Promise<void> {
  const key = `${serverUrl} ${name}`;
  let found = ready.get(key);
  if (!found) {
    found = buildUnderLock(admin, serverUrl, name, migrationsDir);
    ready.set(key, found);
    found.catch(() => ready.delete(key));
  }
  return found;
}

/** Forgets that template `name` exists (the next ensureTemplate checks, and builds it if need be). */
export function forgetTemplate(serverUrl: string, name: string): void {
  ready.delete(`${serverUrl} ${name}`);
}

async function buildUnderLock(
  admin: postgres.Sql,
  serverUrl: string,
  name: string,
  migrationsDir: string | undefined,
): Promise<void> {
  await admin.begin(async (tx) => {
    await tx.unsafe('select pg_advisory_xact_lock($1)', [TEMPLATE_LOCK]);
    const [exists] = await tx.unsafe('select 1 from pg_database where datname = $1', [name]);
    if (exists) return;
    // CREATE DATABASE cannot run inside a transaction block: a second connection does the build
    // while this one holds the lock.
    const builder = postgres(serverUrl, {
      ...(serverAddress(serverUrl) as object),
      max: 1,
      onnotice: () => {},
      ...(guardedConnect(DEFAULT_TIMEOUT_SECONDS) as object),
    });
    const building = `${name}_building`;
    try {
      // Left by a builder that was killed mid-way (its lock is free, so it is not running).
      await builder.unsafe(`drop database if exists ${building} with (force)`);
      await builder.unsafe(`create database ${building}`);
      const db = await createDatabase({
        url: databaseUrl(serverUrl, building),
        migrateOnOpen: true,
        isolated: true,
        migrationsDir,
      });
      await db.close();
      await builder.unsafe(`alter database ${building} rename to ${name}`);
    } catch (error) {
      await builder.unsafe(`drop database if exists ${building} with (force)`).catch(() => {});
      throw error;
    } finally {
      await builder.end();
    }
  });
}
