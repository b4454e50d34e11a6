import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, createDatabase } from '../../src/index.js';

// SQLite only: the foreign-key trap of table rebuilds (drizzle issue 5782) does not exist on Postgres.
const FIXTURE = fileURLToPath(new URL('../fixtures/rebuild/', import.meta.url));

describe('a SQLite migration that rebuilds a parent table', () => {
  let connection: Sqlite.Database;
  let db: Database;
  beforeEach(async () => {
    connection = new Sqlite(':memory:');
    db = await createDatabase({
      client: connection,
      migrationsDir: FIXTURE,
      migrateOnOpen: false,
      verifyOnOpen: false,
    });
  });
  afterEach(async () => {
    await db.close();
    connection.close();
  });

  it('loses no child rows, passes foreign_key_check, and leaves foreign keys on', async () => {
    await db.migrate({ to: 'parent_child' });
    connection.exec(`insert into parent (id, name) values (1, 'a'), (2, 'b')`);
    connection.exec('insert into child (id, parent_id) values (10, 1), (11, 1), (12, 2)');
    await db.migrate({ to: 'head' });
    expect(connection.prepare('select count(*) as n from child').get()).toEqual({ n: 3 });
    expect(connection.pragma('foreign_key_check')).toEqual([]);
    expect(connection.pragma('foreign_keys', { simple: true })).toBe(1);
    await db.migrate({ to: '-1' });
    expect(connection.prepare('select count(*) as n from child').get()).toEqual({ n: 3 });
    // Cascades still work after the rebuild: the foreign key points at the new table.
    connection.exec('delete from parent where id = 1');
    expect(connection.prepare('select count(*) as n from child').get()).toEqual({ n: 1 });
  });

  it('refuses to commit a step that leaves broken references', async () => {
    await db.migrate({ to: 'parent_child' });
    connection.exec(`insert into parent (id, name) values (1, 'a')`);
    connection.exec('insert into child (id, parent_id) values (10, 1)');
    // Simulate a bad rebuild: the parent's rows are lost while foreign keys are off.
    connection.pragma('foreign_keys = OFF');
    connection.exec('delete from parent');
    connection.pragma('foreign_keys = ON');
    await expect(db.migrate({ to: 'head' })).rejects.toThrow(/foreign_key_check found 1 broken reference/);
    expect((await db.migrations.status()).current?.name).toBe('parent_child');
  });

  it('checks references only after a step that applied something, not on every open', async () => {
    await db.migrate({ to: 'head' });
    connection.exec(`insert into parent (id, name) values (1, 'a')`);
    connection.exec('insert into child (id, parent_id) values (10, 1)');
    connection.pragma('foreign_keys = OFF');
    connection.exec('delete from parent');
    connection.pragma('foreign_keys = ON');
    // Nothing to apply: no full foreign_key_check (a second per open at 100,000 runs).
    expect((await db.migrate({ to: 'head' })).applied).toEqual([]);
  });
});
