/**
 * Opening (semantics.md §2 "Errors", §3 "Opening"): only an open that migrates creates a SQLite
 * file and its folder; a missing database, a path that cannot be used and an I/O failure are each
 * a typed error naming the path; a database behind the code opened without migrating is refused.
 *
 * The tests may run as root, for whom permission bits stop nothing. A path is made read-only the
 * way that holds for root too: `chattr +i` (immutable) as root, `chmod` otherwise, and each case
 * first checks with access(2) that the path really is read-only now, and is skipped, saying why,
 * where the file system offers neither (e.g. chattr on tmpfs).
 */
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, DatabaseError, MigrationError, createDatabase, migrate } from '../src/index.js';

let dir: string;
const undo: (() => void)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orion-open-'));
});
afterEach(() => {
  for (const step of undo.splice(0).reverse()) step();
  rmSync(dir, { recursive: true, force: true });
});

const rejection = (work: Promise<{ close(): Promise<void> }>) =>
  work.then(
    async (db) => {
      await db.close();
      return expect.unreachable('the open should have failed');
    },
    (error: unknown) => error as Error,
  );

/** Makes `path` read-only for this process, root included; false when the system cannot. */
function makeReadOnly(path: string): boolean {
  const asRoot = process.getuid?.() === 0;
  try {
    if (asRoot) execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    else chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
  } catch {
    return false;
  }
  undo.push(() => {
    if (asRoot) execFileSync('chattr', ['-i', path], { stdio: 'ignore' });
    else chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  });
  try {
    accessSync(path, constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

describe('a SQLite file that does not exist', () => {
  it('is created, with its folders, only by an open that migrates', async () => {
    const path = join(dir, 'a', 'b', 'orion.db');
    for (const options of [{ migrateOnOpen: false }, { migrateOnOpen: false, verifyOnOpen: false }]) {
      const error = await rejection(createDatabase({ url: path, ...options }));
      expect(error).toBeInstanceOf(MigrationError);
      expect(error.message).toContain(`There is no SQLite database at ${path}`);
      expect(error.message).toContain('orion-db upgrade');
      expect(existsSync(join(dir, 'a'))).toBe(false);
    }
    const db = await createDatabase({ url: path, migrateOnOpen: true });
    expect((await db.migrations.status()).pending).toEqual([]);
    await db.close();
    expect(existsSync(path)).toBe(true);
  });

  it('is not created by a dry run, and is by migrate()', async () => {
    const path = join(dir, 'new', 'orion.db');
    const error = await migrate({ url: path, dryRun: true }).then(
      () => expect.unreachable('a dry run of a missing database should fail'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toContain(path);
    expect(readdirSync(dir)).toEqual([]);
    // A target that cannot be reached is refused before anything is created.
    const mistyped = await migrate({ url: path, to: 'no_such_revision' }).then(
      () => expect.unreachable('an unknown target should fail'),
      (e: unknown) => e as Error,
    );
    expect(mistyped).toBeInstanceOf(MigrationError);
    expect(readdirSync(dir)).toEqual([]);
    // Migrating a missing database to base would migrate nothing: it is reported missing instead.
    const toBase = await migrate({ url: path, to: 'base' }).then(
      () => expect.unreachable('a missing database has nothing to migrate to base'),
      (e: unknown) => e as Error,
    );
    expect(toBase.message).toContain(`There is no SQLite database at ${path}`);
    expect(readdirSync(dir)).toEqual([]);
    const result = await migrate({ url: path });
    expect(result.applied.length).toBeGreaterThan(0);
    expect(existsSync(path)).toBe(true);
  });
});

describe('a SQLite path that cannot be used is a ConfigurationError naming it', () => {
  it('when a parent is a file, whether or not the open may create', async () => {
    writeFileSync(join(dir, 'plain'), 'not a folder');
    const path = join(dir, 'plain', 'sub', 'orion.db');
    for (const migrateOnOpen of [true, false]) {
      const error = await rejection(createDatabase({ url: path, migrateOnOpen }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain(path);
      expect(error.message).toContain(`${join(dir, 'plain')} is a file, not a folder`);
    }
  });

  it('when the path is a folder', async () => {
    const error = await rejection(createDatabase({ url: dir }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`${dir} is a folder`);
  });

  it('when the file is not a database', async () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'these are my notes, not a database. '.repeat(40));
    const error = await rejection(createDatabase({ url: path }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`${path} is not a SQLite database`);
  });

  // Stands for "a folder that cannot be created": sysfs refuses mkdir to everyone, root included.
  it.runIf(process.platform === 'linux' && existsSync('/sys/kernel'))(
    'when its folder cannot be created',
    async () => {
      const path = '/sys/orion-db-test/orion.db';
      const error = await rejection(createDatabase({ url: path }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/folder \/sys\/orion-db-test cannot be created/);
    },
  );

  // Stands for "a read-only folder": a new database cannot be created in it.
  it('when its folder is read-only and the file is new', async (context) => {
    const folder = join(dir, 'locked');
    mkdirSync(folder);
    if (!makeReadOnly(folder)) return context.skip('this file system cannot make a folder read-only');
    const path = join(folder, 'orion.db');
    const error = await rejection(createDatabase({ url: path }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(path);
    expect(error.message).toContain(`folder ${folder} is not writable`);
    expect(existsSync(path)).toBe(false);
  });

  // Stands for "a database in a read-only folder": SQLite could not create its -wal and -shm files.
  it('when the database exists but its folder is read-only', async (context) => {
    const folder = join(dir, 'kept');
    const path = join(folder, 'orion.db');
    await (await createDatabase({ url: path })).close();
    if (!makeReadOnly(folder)) return context.skip('this file system cannot make a folder read-only');
    const error = await rejection(createDatabase({ url: path, migrateOnOpen: false }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`The folder ${folder} of the SQLite database ${path} is not writable`);
  });

  // Stands for "a read-only file": SQLite would silently open it read-only and fail at the first write.
  it('when the file is read-only', async (context) => {
    const path = join(dir, 'orion.db');
    await (await createDatabase({ url: path })).close();
    if (!makeReadOnly(path)) return context.skip('this file system cannot make a file read-only');
    const error = await rejection(createDatabase({ url: path }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`The SQLite database ${path} is read-only`);
  });
});

describe('a better-sqlite3 Database handed in', () => {
  it('is refused when it was opened read-only, before any write fails', async () => {
    const path = join(dir, 'orion.db');
    await (await createDatabase({ url: path })).close();
    const client = new Sqlite(path, { readonly: true });
    try {
      const error = await rejection(createDatabase({ client, migrateOnOpen: false }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain(`(${path}) was opened read-only`);
    } finally {
      client.close();
    }
  });
});

describe('an I/O failure while opening', () => {
  // /proc/<pid>/mem is a writable file whose first page cannot be read (EIO): a real I/O failure,
  // for root too. A symbolic link puts it in a writable folder, as a database file would be.
  it.runIf(process.platform === 'linux' && existsSync('/proc/self/mem'))(
    'is a DatabaseError naming the path',
    async () => {
      const path = join(dir, 'io.db');
      symlinkSync(`/proc/${process.pid}/mem`, path);
      const error = await rejection(createDatabase({ url: path, migrateOnOpen: false }));
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error.message).toContain(`I/O failure opening the SQLite database ${path}`);
    },
  );
});
