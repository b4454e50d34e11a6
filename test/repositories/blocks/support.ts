/** Fixtures of the block tests: a type with a schema that has secrets, and second handles on one database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { type Database, type DialectName, createDatabase } from '../../../src/index.js';
import { createTestDatabase } from '../../../src/testing/index.js';
import { postgresIsServer } from '../../support/dialects.js';

export interface BlockFixture {
  typeId: string;
  schemaId: string;
  /** A schema of the same type without secrets. */
  plainSchemaId: string;
}

/** Secret paths of the fixture schema: a field, a whole subtree, every element's token, a wildcard key. */
export const SECRET_FIELDS = ['password', 'nested.secret', 'tokens.*.token', 'vault.*'];

export async function blockFixture(db: Database, slug = 'db-creds'): Promise<BlockFixture> {
  const type = await db.blockTypes.upsert({ slug, name: `Type ${slug}` });
  const schema = await db.blockSchemas.create({
    blockTypeId: type.id,
    fields: { title: slug, properties: {}, secret_fields: SECRET_FIELDS },
  });
  const plain = await db.blockSchemas.create({
    blockTypeId: type.id,
    fields: { title: slug, properties: {} },
  });
  return { typeId: type.id, schemaId: schema.id, plainSchemaId: plain.id };
}

/**
 * One database that several handles (with different keys) can open: a SQLite file in a temporary
 * folder, or a PostgreSQL test database reached by URL.
 */
export interface SharedDatabase {
  open(encryptionKey?: string): Promise<Database>;
  /** The SQLite file (undefined on PostgreSQL). */
  file?: string;
  dispose(): Promise<void>;
}

export async function sharedDatabase(dialect: DialectName): Promise<SharedDatabase> {
  const home = mkdtempSync(join(tmpdir(), 'orion-blocks-'));
  const base = { env: {}, home, migrateOnOpen: false };
  if (dialect === 'sqlite') {
    const file = join(home, 'blocks.db');
    const first = await createDatabase({ ...base, url: file, migrateOnOpen: true });
    await first.close();
    return {
      file,
      open: (encryptionKey) => createDatabase({ ...base, url: file, encryptionKey }),
      dispose: async () => rmSync(home, { recursive: true, force: true }),
    };
  }
  if (!(await postgresIsServer())) {
    // PGlite fallback: a data directory each handle reopens.
    const url = `pglite://${join(home, 'pgdata')}`;
    await (await createDatabase({ ...base, url, migrateOnOpen: true })).close();
    return {
      open: (encryptionKey) => createDatabase({ ...base, url, encryptionKey }),
      dispose: async () => rmSync(home, { recursive: true, force: true }),
    };
  }
  const holder = await createTestDatabase({ dialect });
  const url = holder.settings.url;
  return {
    open: (encryptionKey) => createDatabase({ ...base, url, encryptionKey, poolSize: 4 }),
    dispose: async () => {
      await holder.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * For a describe block: a fresh shared database per test, and `handle(key?)` opening one more
 * handle on it (all closed after the test).
 */
export function sharedHandles(dialect: DialectName): {
  handle: (encryptionKey?: string) => Promise<Database>;
  shared: () => SharedDatabase;
} {
  let current: SharedDatabase;
  const open: Database[] = [];
  beforeEach(async () => {
    current = await sharedDatabase(dialect);
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
    await current.dispose();
  });
  return {
    handle: async (encryptionKey) => {
      const db = await current.open(encryptionKey);
      open.push(db);
      return db;
    },
    shared: () => current,
  };
}
