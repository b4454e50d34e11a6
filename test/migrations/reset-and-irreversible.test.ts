import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/index.js';
import { loadRevisions } from '../../src/migrations/revisions.js';
import { ambiguousRenames } from '../../scripts/snapshots.js';
import { type BlankDatabase, blankDatabase } from '../support/blank-database.js';
import { DIALECTS } from '../support/dialects.js';
import { appendRevision, copyMigrations } from '../support/migrations-copy.js';

describe.each(DIALECTS)('reset and irreversible migrations (%s)', (dialect) => {
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

  it('reset clears all data, reapplies the schema and leaves other tables alone', async () => {
    const db = await blank.open({ migrateOnOpen: true });
    try {
      const t = dialect === 'sqlite' ? '0' : 'now()';
      await db.execute(
        `insert into flow (id, created, updated, name) values ('0190a1b2-c3d4-7e5f-8a9b-000000000001', ${t}, ${t}, 'etl')`,
      );
      await db.execute('create table not_ours (x integer)');
      await db.execute('insert into not_ours values (7)');
      await db.reset();
      // Raw rows come as the driver returns them: count(*) is a string on postgres.js, a number elsewhere.
      expect(Number((await db.execute<{ n: unknown }>('select count(*) as n from flow'))[0]!.n)).toBe(0);
      expect(await db.execute('select x from not_ours')).toEqual([{ x: 7 }]);
      expect((await db.migrations.status()).pending).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('refuses to downgrade past an irreversible migration unless forced', async () => {
    const shipped = loadRevisions(dialect);
    const tag = appendRevision(
      copy.dir,
      'feedfeed0001',
      'moves_data',
      'CREATE TABLE moved (id integer);',
      '-- irreversible: data moved\n',
    );
    const db = await blank.open({ migrationsDir: copy.dir });
    try {
      await db.migrate({ to: 'head' });
      await expect(db.migrate({ to: '-1' })).rejects.toThrow(`${tag} is irreversible`);
      await expect(db.migrate({ to: '-1', dryRun: true })).rejects.toBeInstanceOf(MigrationError);
      expect((await db.migrations.status()).current?.name).toBe('moves_data');
      await db.migrate({ to: '-1', force: true });
      expect((await db.migrations.status()).current?.name).toBe(shipped.at(-1)!.name);
    } finally {
      await db.close();
    }
  });

  it('treats a missing down file as irreversible', async () => {
    const tag = appendRevision(copy.dir, 'feedfeed0002', 'no_down', 'CREATE TABLE no_down (id integer);', '');
    const folder = dialect === 'sqlite' ? 'sqlite' : 'postgres';
    rmSync(join(copy.dir, folder, `${tag}.down.sql`));
    const db = await blank.open({ migrationsDir: copy.dir });
    try {
      await db.migrate({ to: 'head' });
      await expect(db.migrate({ to: 'base' })).rejects.toThrow(/irreversible/);
    } finally {
      await db.close();
    }
  });
});

describe('db:generate rename detection', () => {
  const snapshot = (tables: Record<string, string[]>) => ({
    tables: Object.fromEntries(
      Object.entries(tables).map(([t, cols]) => [
        t,
        { columns: Object.fromEntries(cols.map((c) => [c, {}])) },
      ]),
    ),
  });

  it('flags a table that both gains and loses columns, and tables added and dropped together', () => {
    expect(ambiguousRenames(snapshot({ flow: ['id', 'name'] }), snapshot({ flow: ['id', 'title'] }))).toEqual(
      ['table flow both gains and loses columns'],
    );
    expect(ambiguousRenames(snapshot({ a: ['id'] }), snapshot({ b: ['id'] }))).toHaveLength(1);
  });

  it('lets plain additions and removals through', () => {
    expect(
      ambiguousRenames(snapshot({ flow: ['id'] }), snapshot({ flow: ['id', 'name'], run: ['id'] })),
    ).toEqual([]);
    expect(
      ambiguousRenames(snapshot({ flow: ['id', 'name'], run: ['id'] }), snapshot({ flow: ['id'] })),
    ).toEqual([]);
  });
});
