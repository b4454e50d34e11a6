/**
 * `createTestDatabase` hands out copies (a deserialised SQLite image, a PostgreSQL database made
 * from a template, a PGlite clone) opened without re-checking them: a copy must be exactly what
 * migrating a fresh database gives, with the connection settings an open sets, and copies must not
 * share rows.
 */
import { describe, expect, it } from 'vitest';
import { type Database, NotFoundError } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { blankDatabase } from './support/blank-database.js';
import { DIALECTS } from './support/dialects.js';

/** What the migrator recorded, without the time it was applied (the copy's is the original's). */
async function recorded(db: Database) {
  const history = (await db.migrations.history()).map(({ revision, name, applied }) => ({
    revision,
    name,
    applied,
  }));
  const rows = await db.execute('select revision, name, checksum from orion_migrations order by revision');
  return { history, rows, status: await db.migrations.status() };
}

/** The catalog beyond the introspected shape: SQLite's schema text, PostgreSQL's extensions, index definitions, triggers. */
async function catalog(db: Database) {
  if (db.dialect === 'sqlite') {
    return [await db.execute('select type, name, tbl_name, sql from sqlite_master order by type, name')];
  }
  return [
    await db.execute('select extname from pg_extension order by extname'),
    await db.execute(
      "select indexname, indexdef from pg_indexes where schemaname = 'public' order by indexname",
    ),
    await db.execute('select tgname from pg_trigger where not tgisinternal order by tgname'),
  ];
}

describe.each(DIALECTS)('createTestDatabase copies (%s)', (dialect) => {
  it('has exactly the schema and the migration history of a freshly migrated database', async () => {
    const blank = await blankDatabase(dialect);
    const fresh = await blank.open({ migrateOnOpen: true });
    const copy = await createTestDatabase({ dialect });
    try {
      expect(await copy.migrations.schema()).toEqual(await fresh.migrations.schema());
      expect(await catalog(copy)).toEqual(await catalog(fresh));
      const [ofCopy, ofFresh] = [await recorded(copy), await recorded(fresh)];
      expect(ofCopy).toEqual(ofFresh);
      expect(ofCopy.history.every((h) => h.applied)).toBe(true);
      expect(ofCopy.status.pending).toEqual([]);
    } finally {
      await copy.close();
      await fresh.close();
      await blank.dispose();
    }
  });

  it('two test databases do not see each other’s rows', async () => {
    const [a, b] = [await createTestDatabase({ dialect }), await createTestDatabase({ dialect })];
    try {
      const inA = await a.flows.create({ name: 'only-in-a' });
      const inB = await b.flows.create({ name: 'only-in-b' });
      expect(await b.flows.get(inA.id)).toBeNull();
      expect(await a.flows.get(inB.id)).toBeNull();
      expect((await a.flows.list()).map((f) => f.name)).toEqual(['only-in-a']);
      expect((await b.flows.list()).map((f) => f.name)).toEqual(['only-in-b']);
      // A name is unique per database, not across them.
      await b.flows.create({ name: 'only-in-a' });
      expect(await a.flows.count()).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('enforces foreign keys on a copy (a run of a missing flow is refused, nothing written)', async () => {
    const db = await createTestDatabase({ dialect });
    try {
      const missing = '01900000-0000-7000-8000-000000000000';
      await expect(db.flowRuns.create({ flowId: missing })).rejects.toBeInstanceOf(NotFoundError);
      expect(await db.flowRuns.count()).toBe(0);
    } finally {
      await db.close();
    }
  });
});

describe('createTestDatabase copies (sqlite): the pragmas the library sets on open', () => {
  it('has foreign keys on and the busy timeout of the settings, as an opened file has', async () => {
    const db = await createTestDatabase();
    try {
      expect(await db.execute('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
      expect(await db.execute('pragma busy_timeout')).toEqual([
        { timeout: db.settings.timeoutSeconds * 1000 },
      ]);
    } finally {
      await db.close();
    }
  });
});
