import { createHash } from 'node:crypto';
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

/**
 * Creates a database for one test: from a migrated template database (CREATE DATABASE ... TEMPLATE
 * takes ~30 ms) or, with `migrated: false`, empty. The template is built once, under an advisory
 * lock so parallel test workers and processes do not race to build it.
 */
export async function createServerDatabase(serverUrl: string, migrated: boolean): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const name = `orion_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
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
