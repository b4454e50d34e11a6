import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Database, DialectName } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';

/**
 * A test database of `dialect` for a whole suite: opened before its tests, closed after them.
 * Call it in the `describe` body; the function it returns gives the handle once opened.
 */
export function suiteDatabase(dialect: DialectName): () => Database {
  let db: Database | undefined;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db?.close();
  });
  return () => db!;
}

/**
 * A fresh test database of `dialect` for each test: opened before it, closed after it. Call it in
 * the `describe` body; the function it returns gives the current test's handle.
 */
export function eachTestDatabase(dialect: DialectName): () => Database {
  let db: Database | undefined;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db?.close();
  });
  return () => db!;
}
