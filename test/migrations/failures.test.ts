import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/index.js';
import { loadRevisions } from '../../src/migrations/revisions.js';
import { type BlankDatabase, blankDatabase } from '../support/blank-database.js';
import { DIALECTS } from '../support/dialects.js';
import { appendRevision, copyMigrations } from '../support/migrations-copy.js';

describe.each(DIALECTS)('migration failures and targets (%s)', (dialect) => {
  let blank: BlankDatabase;
  let copy: ReturnType<typeof copyMigrations>;
  beforeEach(async () => {
    blank = await blankDatabase(dialect);
    copy = copyMigrations();
  });
  afterEach(async () => {
    copy.dispose();
    await blank.dispose();
  });

  it('names an applied migration that was edited afterwards', async () => {
    const db = await blank.open({ migrationsDir: copy.dir });
    await db.migrate({ to: 'head' });
    await db.close();
    const folder = dialect === 'sqlite' ? 'sqlite' : 'postgres';
    appendFileSync(join(copy.dir, folder, '0001_search_indexes.sql'), '\n-- an innocent-looking edit\n');
    const reopened = blank.open({ migrationsDir: copy.dir, verifyOnOpen: true });
    await expect(reopened).rejects.toBeInstanceOf(MigrationError);
    await expect(reopened).rejects.toThrow(/0001_search_indexes.*edited after it was applied/);
  });

  it('rolls a migration that fails halfway back completely and keeps earlier revisions recorded', async () => {
    appendRevision(
      copy.dir,
      'badbadbadbad',
      'breaks_halfway',
      'CREATE TABLE half_done (id integer);--> statement-breakpoint\nINSERT INTO no_such_table VALUES (1);',
      'DROP TABLE half_done;',
    );
    const db = await blank.open({ migrationsDir: copy.dir });
    try {
      const error = await db.migrate({ to: 'head' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      const results = (error as MigrationError).results;
      // Every shipped revision applies, then the appended one fails.
      const shipped = loadRevisions(dialect);
      expect(results.map((r) => [r.name, r.status])).toEqual([
        ...shipped.map((r) => [r.name, 'applied']),
        ['breaks_halfway', 'failed'],
      ]);
      expect(results.at(-1)!.statement).toContain('no_such_table');
      expect((error as Error).message).toContain('no_such_table');
      const status = await db.migrations.status();
      expect(status.current?.name).toBe(shipped.at(-1)!.name);
      expect(status.pending.map((p) => p.revision)).toEqual(['badbadbadbad']);
      expect(await db.execute(sql`select 1 from orion_migrations where revision = 'badbadbadbad'`)).toEqual(
        [],
      );
      expect(Object.keys((await db.migrations.schema()).tables)).not.toContain('half_done');
    } finally {
      await db.close();
    }
  });

  it('refuses a database migrated by a newer version, naming both revisions', async () => {
    const db = await blank.open();
    await db.migrate({ to: 'head' });
    await db.execute(
      sql`insert into orion_migrations (revision, name, checksum, applied_at) values ('f00df00df00d', 'from_the_future', 'x', '2030-01-01T00:00:00Z')`,
    );
    await db.close();
    const head = loadRevisions(dialect).at(-1)!;
    const reopened = blank.open({ verifyOnOpen: true });
    await expect(reopened).rejects.toBeInstanceOf(MigrationError);
    await expect(reopened).rejects.toThrow(/f00df00df00d.*migrated by a newer @orion\/db/);
    await expect(reopened).rejects.toThrow(head.revision);
    // Migrating on open never downgrades on its own either.
    await expect(blank.open({ migrateOnOpen: true })).rejects.toThrow(/f00df00df00d/);
  });

  it('resolves every target form and rejects unknown or ambiguous ones with close matches', async () => {
    appendRevision(
      copy.dir,
      '0ddc81000000',
      'extra_one',
      'CREATE TABLE extra_one (id integer);',
      'DROP TABLE extra_one;',
    );
    const revisions = loadRevisions(dialect, copy.dir);
    const db = await blank.open({ migrationsDir: copy.dir });
    try {
      const at = async () => (await db.migrations.status()).current?.revision ?? null;
      await db.migrate({ to: '+1' });
      expect(await at()).toBe(revisions[0]!.revision);
      await db.migrate({ to: '0001_search_indexes' });
      expect(await at()).toBe(revisions[1]!.revision);
      await db.migrate({ to: 'initial' });
      expect(await at()).toBe(revisions[0]!.revision);
      const extra = revisions.at(-1)!;
      await db.migrate({ to: extra.revision.slice(0, 8) });
      expect(await at()).toBe(extra.revision);
      await db.migrate({ to: '-2' });
      expect(await at()).toBe(revisions.at(-3)!.revision);
      await db.migrate({ to: 'base' });
      expect(await at()).toBeNull();
      // Which end the target passes and by how much, and where the database is (at base here).
      const n = revisions.length;
      await expect(db.migrate({ to: '-1' })).rejects.toThrow(
        `at revision 0 of ${n}, and -1 would go 1 below base`,
      );
      await expect(db.migrate({ to: `+${n + 1}` })).rejects.toThrow(/out of range/);
      await expect(db.migrate({ to: '+99' })).rejects.toThrow(
        `at revision 0 of ${n}, and +99 would go ${99 - n} past head`,
      );
      // The appended revision id was chosen to share a prefix with search_indexes' id.
      const common = commonPrefix(revisions[1]!.revision, extra.revision);
      expect(common.length).toBeGreaterThan(0);
      await expect(db.migrate({ to: common })).rejects.toThrow(/ambiguous/);
      // A short target is never a prefix: "7" is not revision 7 of the docs' table, nor 7834de6676a0.
      await expect(db.migrate({ to: '2' })).rejects.toThrow(
        `Target "2" is too short to be a revision id prefix (at least 4 characters): nothing was run. Revision 2 in the table of docs/migrations.md is ${revisions[1]!.revision} (search_indexes)`,
      );
      for (const short of ['7', '78', '783', 'a', '99'])
        await expect(db.migrate({ to: short })).rejects.toThrow(/too short to be a revision id prefix/);
      expect(await at()).toBeNull();
      await expect(db.migrate({ to: 'serch_indexes' })).rejects.toThrow(
        /Unknown migration target.*search_indexes/,
      );
      const dry = await db.migrate({ to: 'head', dryRun: true });
      expect(dry.applied).toHaveLength(revisions.length);
      expect(dry.sql?.join('\n')).toContain('CREATE TABLE extra_one');
      expect(await at()).toBeNull();
    } finally {
      await db.close();
    }
  });
});

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}
