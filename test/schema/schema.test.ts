import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, SchemaShape, TableShape } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { headSnapshotShape } from '../support/snapshot-shape.js';

describe.each(DIALECTS)('schema at head (%s)', (dialect) => {
  it('introspected, equals the Drizzle snapshot of the last revision', async () => {
    const db = await createTestDatabase({ dialect });
    try {
      expect(await db.migrations.schema()).toEqual(headSnapshotShape(dialect));
    } finally {
      await db.close();
    }
  });
});

/** Postgres type → the SQLite type that carries the same logical type. */
const SQLITE_TYPE_OF: Record<string, string> = {
  uuid: 'text',
  text: 'text',
  jsonb: 'text',
  json: 'text',
  'timestamp(3) with time zone': 'integer',
  boolean: 'integer',
  'double precision': 'real',
  integer: 'integer',
  smallint: 'integer',
};

/**
 * Indexes that exist on one dialect only, by design (data-model.md, "Conventions"; the trigram on
 * log messages: revision log_message_trigram, docs/logs.md — SQLite scans for the text query).
 */
const POSTGRES_ONLY_INDEX = /__(name_trgm|tags|message_trgm)$/;
const SQLITE_ONLY_INDEX = /__name_nocase$/;

function withoutExtras(shape: SchemaShape, extra: RegExp, mapType: (t: string) => string): SchemaShape {
  const tables: Record<string, TableShape> = {};
  for (const [name, table] of Object.entries(shape.tables)) {
    tables[name] = {
      ...table,
      columns: Object.fromEntries(
        Object.entries(table.columns).map(([c, col]) => [c, { ...col, type: mapType(col.type) }]),
      ),
      indexes: Object.fromEntries(Object.entries(table.indexes).filter(([index]) => !extra.test(index))),
    };
  }
  return { tables };
}

describe('the two dialects agree table by table', () => {
  let sqlite: Database;
  let postgres: Database;
  beforeAll(async () => {
    [sqlite, postgres] = await Promise.all([
      createTestDatabase({ dialect: 'sqlite' }),
      createTestDatabase({ dialect: 'postgresql' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sqlite?.close(), postgres?.close()]);
  });

  it('has the same tables, columns, keys, foreign keys, checks and indexes (less the listed extras)', async () => {
    const lite = await sqlite.migrations.schema();
    const pg = await postgres.migrations.schema();
    expect(Object.keys(lite.tables)).toHaveLength(19);
    const unmapped = new Set<string>();
    const pgAsSqlite = withoutExtras(pg, POSTGRES_ONLY_INDEX, (t) => {
      if (!(t in SQLITE_TYPE_OF)) unmapped.add(t);
      return SQLITE_TYPE_OF[t] ?? t;
    });
    expect([...unmapped]).toEqual([]);
    expect(withoutExtras(lite, SQLITE_ONLY_INDEX, (t) => t)).toEqual(pgAsSqlite);
  });

  it('has each dialect-only search index on both sides of the listed tables', async () => {
    const names = (shape: SchemaShape, pattern: RegExp) =>
      Object.values(shape.tables)
        .flatMap((t) => Object.keys(t.indexes))
        .filter((n) => pattern.test(n))
        .sort();
    const pg = names(await postgres.migrations.schema(), /__name_trgm$/).map((n) => n.replace('_trgm', ''));
    const lite = names(await sqlite.migrations.schema(), /__name_nocase$/).map((n) =>
      n.replace('_nocase', ''),
    );
    expect(pg).toEqual(lite);
    expect(pg).toHaveLength(7);
  });
});
