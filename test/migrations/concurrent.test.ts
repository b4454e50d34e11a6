import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/index.js';
import { loadRevisions } from '../../src/migrations/revisions.js';
import { blankDatabase } from '../support/blank-database.js';
import { postgresIsServer } from '../support/dialects.js';
import { runTs } from '../support/spawn.js';

const CHILD = 'test/fixtures/migrate-child.ts';
const PROCESSES = 4;
// Several processes need a real server; on PGlite (one in-process instance) the Postgres race is skipped.
const serverAvailable = await postgresIsServer();

/** Starts four processes migrating one database at once; checks each revision was applied exactly once. */
async function raceMigrators(url: string, dialect: 'sqlite' | 'postgresql') {
  const startAt = Date.now() + 1500; // after every child has loaded
  const results = await Promise.all(
    Array.from({ length: PROCESSES }, () => runTs(CHILD, [url, String(startAt)])),
  );
  const outputs = results.map((r) => {
    expect(r.code, r.stderr + r.stdout).toBe(0);
    return JSON.parse(r.stdout) as { ok: boolean; applied: string[] };
  });
  const revisions = loadRevisions(dialect).map((r) => r.revision);
  const appliedEverywhere = outputs.flatMap((o) => o.applied).sort();
  expect(appliedEverywhere).toEqual([...revisions].sort());
  const db = await createDatabase({ url, migrateOnOpen: false });
  try {
    const history = await db.migrations.history();
    expect(history.every((h) => h.applied)).toBe(true);
    expect(await db.execute('select count(*) as n from orion_migrations')).toEqual([
      { n: dialect === 'sqlite' ? revisions.length : String(revisions.length) },
    ]);
  } finally {
    await db.close();
  }
}

describe('concurrent migrators', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-race-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('four processes migrating one SQLite file all succeed, each revision applied once', async () => {
    await raceMigrators(`sqlite:///${join(dir, 'race.db')}`, 'sqlite');
  });

  it.runIf(serverAvailable)(
    'four processes migrating one PostgreSQL database all succeed, each revision applied once',
    async () => {
      const blank = await blankDatabase('postgresql');
      try {
        await raceMigrators(blank.url!, 'postgresql');
      } finally {
        await blank.dispose();
      }
    },
  );
});
