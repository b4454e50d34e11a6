/**
 * Opening a database that is at head while another process holds its write lock (a SQLite write
 * transaction, PostgreSQL's migration lock) longer than the timeout is the retryable DatabaseError a
 * claim would get, not a MigrationError: nothing was migrating (docs/database.md, "Opening").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { DatabaseError, MigrationError, createDatabase } from '../src/index.js';
import { MIGRATION_LOCK_KEY } from '../src/dialect/postgres/pg-family-dialect.js';
import { createServerDatabase, dropServerDatabase } from '../src/testing/postgres-server.js';
import { postgresIsServer, postgresServerUrl } from './support/dialects.js';

interface Holder {
  url: string;
  /** Takes the write lock on another connection; returns its release. */
  hold(): Promise<() => Promise<void>>;
  dispose(): Promise<void>;
}

async function sqliteFile(): Promise<Holder> {
  const dir = mkdtempSync(join(tmpdir(), 'orion-busy-'));
  const url = join(dir, 'orion.db');
  return {
    url,
    async hold() {
      const other = new Sqlite(url);
      other.exec('BEGIN IMMEDIATE');
      return async () => {
        other.exec('ROLLBACK');
        other.close();
      };
    },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresServer(): Promise<Holder | undefined> {
  const server = await postgresServerUrl();
  if (!server || !(await postgresIsServer())) return undefined;
  const url = await createServerDatabase(server, true);
  const name = new URL(url).pathname.slice(1);
  return {
    url,
    async hold() {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const reserved = await sql.reserve();
      await reserved.unsafe('begin');
      await reserved.unsafe('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      return async () => {
        await reserved.unsafe('rollback');
        reserved.release();
        await sql.end();
      };
    },
    dispose: () => dropServerDatabase(server, name),
  };
}

describe.each([
  ['sqlite', sqliteFile],
  ['postgresql', postgresServer],
] as const)('opening while another connection holds the write lock (%s)', (_dialect, make) => {
  it('is the retryable DatabaseError, and opens once the lock is gone', async () => {
    const holder = await make();
    if (!holder) return;
    try {
      await (await createDatabase({ url: holder.url })).close(); // at head
      const release = await holder.hold();
      const started = Date.now();
      const error = await createDatabase({ url: holder.url, timeoutSeconds: 1 }).then(
        async (db) => {
          await db.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      await release();
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).not.toBeInstanceOf(MigrationError);
      expect((error as DatabaseError).retryable).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const db = await createDatabase({ url: holder.url, timeoutSeconds: 1 });
      expect(await db.flows.count()).toBe(0);
      await db.close();
    } finally {
      await holder.dispose();
    }
  });
});
