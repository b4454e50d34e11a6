/**
 * What `db.execute` returns for integers (docs/database.md "db.execute"): int8 (`count(*)`, `sum`
 * of integers) and numeric come back as text on PostgreSQL, through postgres.js and PGlite alike
 * (the library reads them as text on both, wire-values.ts), int4 as a number; on SQLite every
 * integer is a number. Same body on both dialects, PGlite in memory beside the server. A trial
 * found the docs calling PGlite's count a number.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, createDatabase } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';

const OPENERS: [string, () => Promise<Database>][] = [
  ['sqlite', () => createTestDatabase({ dialect: 'sqlite' })],
  ['postgresql', () => createTestDatabase({ dialect: 'postgresql' })],
  ['pglite', () => createDatabase({ url: 'pglite://memory', env: {} })],
];

describe.each(OPENERS)('db.execute integers (%s)', (name, open) => {
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
  });

  it('count(*) and sum are text on PostgreSQL (any driver) and numbers on SQLite; int4 a number', async () => {
    db = await open();
    await db.flows.create({ name: 'f' });
    const [row] = (await db.execute('select count(*) as c, sum(1) as s, 2 as i from flow')) as {
      c: unknown;
      s: unknown;
      i: unknown;
    }[];
    expect(row).toEqual(name === 'sqlite' ? { c: 1, s: 1, i: 2 } : { c: '1', s: '1', i: 2 });
  });
});
