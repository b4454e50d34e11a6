/**
 * Files the library creates for a database are owner-only (docs/database.md "Opening"): without a
 * configured key the database holds the generated block encryption key. SQLite: the folders it
 * makes are 0700, the file 0600, and SQLite's -wal and -shm files follow the file; a file or folder
 * that already exists keeps its mode. PGlite: a data directory it makes is 0700. A PostgreSQL
 * server's files are the server's, so there is nothing local to check there.
 * Found in a fresh-user trial: the default ~/.orion/orion.db was 0644 in a 0755 folder (umask 022).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/index.js';

const mode = (path: string) => statSync(path).mode & 0o777;
let written = 0;

describe('modes of the database files the library creates', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'orion-modes-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** Opens, writes a block (which stores the generated key), and closes. */
  async function openAndWrite(options: { url?: string; home: string }): Promise<void> {
    const db = await createDatabase({ env: {}, migrateOnOpen: true, ...options });
    const type = await db.blockTypes.upsert({ slug: 's', name: 'S' });
    const schema = await db.blockSchemas.create({ blockTypeId: type.id, fields: { secret_fields: ['p'] } });
    await db.blockDocuments.create({
      name: `d${++written}`,
      blockTypeId: type.id,
      blockSchemaId: schema.id,
      data: { p: 'x' },
    });
    if (options.url === undefined || !options.url.startsWith('pglite:')) {
      const file = options.url ?? join(options.home, 'orion.db');
      // While open, in WAL mode: the -wal and -shm files exist and carry the file's mode.
      expect([mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([mode(file), mode(file)]);
    }
    await db.close();
  }

  it('SQLite, the default file in a fresh home: the home 0700, orion.db 0600', async () => {
    const home = join(root, 'fresh-home');
    await openAndWrite({ home });
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'orion.db'))).toBe(0o600);
  });

  it('SQLite, a URL path in new folders: every folder made 0700, the file 0600', async () => {
    const url = join(root, 'a', 'b', 'x.db');
    await openAndWrite({ url, home: root });
    expect([mode(join(root, 'a')), mode(join(root, 'a', 'b')), mode(url)]).toEqual([0o700, 0o700, 0o600]);
  });

  it('SQLite: an existing folder and an existing file keep their modes', async () => {
    const folder = join(root, 'shared');
    mkdirSync(folder);
    chmodSync(folder, 0o750);
    const url = join(folder, 'x.db');
    await openAndWrite({ url, home: root });
    expect(mode(folder)).toBe(0o750);
    chmodSync(url, 0o640);
    await openAndWrite({ url, home: root });
    expect(mode(url)).toBe(0o640);
  });

  it('PGlite: a data directory the library makes is 0700', async () => {
    const dataDir = join(root, 'pgdata');
    await openAndWrite({ url: `pglite://${dataDir}`, home: root });
    expect(mode(dataDir)).toBe(0o700);
  });
});
