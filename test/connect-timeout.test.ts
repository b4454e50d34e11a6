/**
 * A PostgreSQL server that cannot be reached fails within the connect timeout, as a retryable
 * DatabaseError naming its host and port, and leaves no connection open: one that accepts and
 * never answers, one that accepts and closes at once, one that answers HTTP and closes (what this
 * machine's route to 10.255.255.1 does). The last two made postgres.js reconnect forever, restarting
 * its connect timer each time (porsager/postgres#1193): `createDatabase` hung, and
 * `createTestDatabase` took 37 s to say `write CONNECT_TIMEOUT undefined:undefined`. PostgreSQL
 * only: SQLite opens a file (its unusable paths: opening.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError, createDatabase } from '../src/index.js';
import { DEFAULT_TIMEOUT_SECONDS } from '../src/settings/keys.js';
import { createTestDatabase } from '../src/testing/index.js';
import { SILENT_KINDS, type SilentServer, silentServer } from './support/silent-servers.js';

const servers: SilentServer[] = [];
beforeAll(async () => {
  for (const kind of SILENT_KINDS) servers.push(await silentServer(kind));
});
afterAll(async () => {
  for (const server of servers) await server.close();
});

/** The open's error and how long it took, in milliseconds. */
async function timedFailure(open: () => Promise<{ close(): Promise<void> }>) {
  const started = performance.now();
  const error = await open().then(
    async (db) => {
      await db.close();
      return expect.unreachable('the open should have failed');
    },
    (e: unknown) => e as Error,
  );
  return { error, ms: performance.now() - started };
}

function expectConnectFailure(error: Error, server: SilentServer): void {
  expect(error).toBeInstanceOf(DatabaseError);
  expect((error as DatabaseError).retryable).toBe(true);
  expect(error.message).toContain(`127.0.0.1:${server.port}`);
  expect(error.message).not.toContain('undefined');
}

describe('createDatabase on a PostgreSQL server that does not answer', () => {
  it.each(SILENT_KINDS.map((kind) => [kind]))(
    'one that %s fails within the connect timeout, naming host and port, and leaves nothing open',
    async (kind) => {
      const server = servers.find((s) => s.kind === kind)!;
      const acceptedBefore = server.accepted();
      const { error, ms } = await timedFailure(() =>
        createDatabase({ url: server.url, timeoutSeconds: 1, isolated: true }),
      );
      expectConnectFailure(error, server);
      // 1 s, and a margin for a loaded 2-core machine (before: no answer after minutes).
      expect(ms).toBeLessThan(4_000);
      // Reconnects back off (10 ms doubling): a handful in 1 s, not hundreds (before: ~700 a second).
      expect(server.accepted() - acceptedBefore).toBeLessThan(40);
      await expect.poll(server.open, { timeout: 2_000 }).toBe(0);
    },
  );
});

describe('createTestDatabase on a PostgreSQL server that does not answer', () => {
  const saved = process.env.ORION_TEST_POSTGRES_URL;
  const savedMode = process.env.ORION_TEST_POSTGRES;
  afterAll(() => {
    if (saved === undefined) delete process.env.ORION_TEST_POSTGRES_URL;
    else process.env.ORION_TEST_POSTGRES_URL = saved;
    if (savedMode === undefined) delete process.env.ORION_TEST_POSTGRES;
    else process.env.ORION_TEST_POSTGRES = savedMode;
  });

  it.each((['never answers', 'closes at once'] as const).map((kind) => [kind]))(
    'one that %s fails within the default timeout as a DatabaseError naming host and port',
    async (kind) => {
      const server = servers.find((s) => s.kind === kind)!;
      process.env.ORION_TEST_POSTGRES_URL = server.url;
      delete process.env.ORION_TEST_POSTGRES;
      const { error, ms } = await timedFailure(() => createTestDatabase({ dialect: 'postgresql' }));
      expectConnectFailure(error, server);
      expect(error.message).toContain('ORION_TEST_POSTGRES_URL');
      // The default connect timeout (10 s) and a margin (before: 37 s, or never).
      expect(ms).toBeLessThan(DEFAULT_TIMEOUT_SECONDS * 1000 + 4_000);
      await expect.poll(server.open, { timeout: 2_000 }).toBe(0);
    },
  );
});
