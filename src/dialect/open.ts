import type { PGlite } from '@electric-sql/pglite';
import type Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { ConfigurationError } from '../errors.js';
import type { Settings } from '../settings/load.js';
import { describeForError } from '../settings/sources.js';
import type { Dialect } from './dialect.js';
import { acquirePglite, share } from './pglite/instances.js';
import { PgliteDialect } from './pglite/pglite-dialect.js';
import { guardedConnect } from './postgres/connect-guard.js';
import { unusableClientReason, useLibraryParsers } from './postgres/isolated-client.js';
import { PostgresDialect } from './postgres/postgres-dialect.js';
import { serverAddress } from './postgres/server-address.js';
import { acquireConnection, wrapConnection } from './sqlite/connection.js';
import { SqliteDialect } from './sqlite/sqlite-dialect.js';

/** A connection the caller already has; the library uses it and never closes it. */
export type ExistingClient = postgres.Sql | Sqlite.Database | PGlite;

function isSqliteClient(client: unknown): client is Sqlite.Database {
  return typeof client === 'object' && client !== null && 'pragma' in client && 'prepare' in client;
}

function isPostgresJsClient(client: unknown): client is postgres.Sql {
  return typeof client === 'function' && 'begin' in client && 'unsafe' in client;
}

function isPgliteClient(client: unknown): client is PGlite {
  return typeof client === 'object' && client !== null && 'waitReady' in client && 'exec' in client;
}

/** What the open is for. */
export interface OpenIntent {
  /**
   * True only when the open will create and migrate the database: then a missing SQLite file and its
   * folder are created. Otherwise nothing is created and a missing file is an error (semantics.md §3).
   */
  create: boolean;
}

/** Opens the dialect for the resolved settings, or wraps a client handed in by the caller. */
export async function openDialect(
  settings: Settings,
  client: ExistingClient | undefined,
  intent: OpenIntent,
): Promise<Dialect> {
  if (client !== undefined) {
    if (isSqliteClient(client)) return new SqliteDialect(wrapConnection(client, settings.timeoutSeconds));
    if (isPostgresJsClient(client)) {
      const unusable = unusableClientReason(client);
      if (unusable) throw new ConfigurationError(unusable);
      return new PostgresDialect(client, false, settings.preparedStatements);
    }
    if (isPgliteClient(client)) {
      await client.waitReady;
      return new PgliteDialect(share(client), false);
    }
    throw new ConfigurationError(
      'createDatabase({ client }) takes a postgres.js Sql, a better-sqlite3 Database or a PGlite instance',
    );
  }
  const target = settings.target;
  switch (target.kind) {
    case 'sqlite':
      return new SqliteDialect(
        acquireConnection(
          target.path,
          settings.timeoutSeconds,
          intent.create,
          target.shared,
          describeForError('ORION_DATABASE_URL', settings.origins.ORION_DATABASE_URL),
        ),
      );
    case 'postgres': {
      refuseShortPostgresTimeout(settings);
      const timeoutMs = Math.round(settings.timeoutSeconds * 1000);
      const sql = postgres(target.url, {
        ...(serverAddress(target.url) as object),
        max: settings.poolSize,
        prepare: settings.preparedStatements,
        // The connect timeout, kept a bound even against a server that accepts and closes (connect-guard.ts).
        ...guardedConnect(settings.timeoutSeconds),
        idle_timeout: 60,
        onnotice: () => {},
        // Our own sessions run in UTC (semantics.md §2 "Times"); the library's reads and writes do not
        // depend on it (postgres/wire-values.ts), but raw SQL a caller runs through db.execute does.
        // extra_float_digits = 1 (PostgreSQL's default since 12): doubles as text in their shortest
        // exact form, whatever the database's own default says, so a float reads back unrounded.
        connection: {
          application_name: 'orion-db',
          statement_timeout: timeoutMs,
          TimeZone: 'UTC',
          extra_float_digits: 1,
        },
      });
      useLibraryParsers(sql);
      return new PostgresDialect(sql, true, settings.preparedStatements);
    }
    case 'pglite':
      return new PgliteDialect(await acquirePglite(target.dataDir), true);
  }
}

/** The shortest statement timeout the library's own postgres.js pool takes (seconds). */
export const MIN_POSTGRES_TIMEOUT_SECONDS = 1;

/**
 * Every new postgres.js connection first looks up the server's array types, under the session's
 * `statement_timeout`; when that lookup fails postgres.js drops the rejected promise, and Node.js
 * reports an `unhandledRejection`, which ends the process by default. The lookup took 18-42 ms on
 * this project's 2-core machine under load, so below 1 s a timeout could end the caller's process.
 * It cannot be turned off: with `fetch_types: false`, `reserve()` on a new connection never
 * settles (porsager/postgres#751, #1219), and every transaction reserves one.
 */
function refuseShortPostgresTimeout(settings: Settings): void {
  if (settings.timeoutSeconds >= MIN_POSTGRES_TIMEOUT_SECONDS) return;
  const origin = describeForError('ORION_DATABASE_TIMEOUT', settings.origins.ORION_DATABASE_TIMEOUT);
  throw new ConfigurationError(
    `${origin} must be at least ${MIN_POSTGRES_TIMEOUT_SECONDS} s on PostgreSQL, got ${settings.timeoutSeconds}: ` +
      "postgres.js looks up the server's types on every new connection under the statement timeout, " +
      'and a failed lookup is an unhandled rejection',
  );
}
