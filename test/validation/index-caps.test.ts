/**
 * The byte caps of indexed text are derived from the PostgreSQL schema (semantics.md §2): every text
 * column in a B-tree index has a cap, and with every text at its cap the worst-case index row fits
 * PostgreSQL's 2,704-byte limit. Adding an indexed text column without a cap fails here; so does a
 * cap raised past what its index can hold. The second part builds each index shape on a real server
 * and inserts incompressible text at the caps.
 */
import { type SQL, is } from 'drizzle-orm';
import { PgDialect, PgTable, getTableConfig } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/index.js';
import { BTREE_MAX_INDEX_ROW_BYTES, INDEXED_TEXT_BYTES } from '../../src/repositories/validation.js';
import * as pg from '../../src/schema/postgres/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { prng, textOfBytes } from './support/text.js';

interface IndexColumn {
  name: string;
  type: string;
  nullable: boolean;
}
interface BtreeIndex {
  table: string;
  name: string;
  unique: boolean;
  columns: IndexColumn[];
}

/** Every B-tree index of the PostgreSQL schema (primary keys are uuids and need no cap). */
function btreeIndexes(): BtreeIndex[] {
  const out: BtreeIndex[] = [];
  for (const table of Object.values(pg)) {
    if (!is(table, PgTable)) continue;
    const config = getTableConfig(table);
    for (const index of config.indexes) {
      if ((index.config.method ?? 'btree') !== 'btree') continue;
      const columns = index.config.columns.map((c) => {
        const col = c as { name?: string; type?: string };
        if (!col.name || !col.type) {
          // Expression parts, each with its rule: task_run's START_TIME sort key (revision 11) is a
          // coalesce of two timestamps, so a nullable timestamp in the index row.
          const text = new PgDialect().sqlToQuery(c as SQL).sql;
          if (/^coalesce\(start_time, expected_start_time\)( desc nulls last)?$/.test(text))
            return { name: text, type: 'PgTimestamp', nullable: true };
          throw new Error(`${index.config.name}: expression indexes need a rule here (${text})`);
        }
        const column = config.columns.find((x) => x.name === col.name)!;
        return { name: col.name, type: col.type, nullable: !column.notNull };
      });
      out.push({ table: config.name, name: index.config.name!, unique: index.config.unique, columns });
    }
    for (const uq of config.uniqueConstraints) {
      throw new Error(`${config.name}: unique constraint ${uq.name} is not covered by this test yet`);
    }
  }
  return out;
}

const capOf = (table: string, column: string): number | undefined =>
  (INDEXED_TEXT_BYTES as Record<string, Record<string, number>>)[table]?.[column];

/** [alignment, size] of a column's value in an index row at its largest. */
function layout(index: BtreeIndex, column: IndexColumn): [number, number] {
  switch (column.type) {
    case 'PgText': {
      const cap = capOf(index.table, column.name);
      if (cap === undefined) throw new Error(`${index.table}.${column.name} has no cap`);
      return [4, 4 + cap]; // a long varlena: 4-byte header, int alignment
    }
    case 'PgUUID':
      return [1, 16];
    case 'PgTimestamp':
    case 'PgDoublePrecision':
      return [8, 8];
    case 'PgInteger':
      return [4, 4];
    case 'PgSmallInt':
      return [2, 2];
    case 'PgBoolean':
      return [1, 1];
    default:
      throw new Error(`${index.name}: no size rule for ${column.type}`);
  }
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

/** The largest index row `index` can have with every text at its cap (nbtree's IndexTupleData layout). */
function worstRowBytes(index: BtreeIndex): number {
  // 8-byte header; with a nullable column a null bitmap follows, and the data starts MAXALIGNed.
  let size = index.columns.some((c) => c.nullable) ? align(8 + Math.ceil(index.columns.length / 8), 8) : 8;
  for (const column of index.columns) {
    const [alignment, bytes] = layout(index, column);
    size = align(size, alignment) + bytes;
  }
  return align(size, 8);
}

const withText = () => btreeIndexes().filter((ix) => ix.columns.some((c) => c.type === 'PgText'));

describe('byte caps cover every indexed text column', () => {
  it('finds the indexes (the walk itself works)', () => {
    const names = withText().map((ix) => ix.name);
    expect(names).toContain('uq_flow__name');
    expect(names).toContain('uq_task_run__flow_run_id_task_key_dynamic_key');
    expect(names).not.toContain('ix_flow__name_trgm');
  });

  it('every text column of every B-tree index has a cap', () => {
    const missing = withText().flatMap((ix) =>
      ix.columns
        .filter((c) => c.type === 'PgText' && capOf(ix.table, c.name) === undefined)
        .map((c) => `${ix.table}.${c.name} (${ix.name})`),
    );
    expect(missing).toEqual([]);
  });

  it('every cap belongs to an indexed text column (no stale entries)', () => {
    const indexed = new Set(
      withText().flatMap((ix) =>
        ix.columns.filter((c) => c.type === 'PgText').map((c) => `${ix.table}.${c.name}`),
      ),
    );
    const listed = Object.entries(INDEXED_TEXT_BYTES).flatMap(([t, cols]) =>
      Object.keys(cols).map((c) => `${t}.${c}`),
    );
    expect(listed.filter((c) => !indexed.has(c))).toEqual([]);
  });

  it(`with every text at its cap, every index row fits ${BTREE_MAX_INDEX_ROW_BYTES} bytes`, () => {
    const tooBig = withText()
      .map((ix) => ({ index: ix.name, bytes: worstRowBytes(ix) }))
      .filter((r) => r.bytes > BTREE_MAX_INDEX_ROW_BYTES);
    expect(tooBig).toEqual([]);
  });
});

const SQL_TYPES: Record<string, string> = {
  PgText: 'text',
  PgUUID: 'uuid',
  PgTimestamp: 'timestamptz',
  PgDoublePrecision: 'double precision',
  PgInteger: 'integer',
  PgSmallInt: 'smallint',
  PgBoolean: 'boolean',
};
const SAMPLE: Record<string, string> = {
  uuid: "'0190a1b2-c3d4-7e5f-8a9b-000000000001'",
  timestamptz: "'2026-01-01T00:00:00Z'",
  'double precision': '1',
  integer: '1',
  smallint: '1',
  boolean: 'true',
};
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

describe('on PostgreSQL, each indexed shape takes incompressible text at its caps', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
  });
  afterAll(async () => {
    await db.close();
  });

  it('inserts rows at the caps into a copy of every index with text', async () => {
    let n = 0;
    for (const ix of withText()) {
      const table = `cap_probe_${n++}`;
      const cols = ix.columns.map((c, i) => `c${i} ${SQL_TYPES[c.type]}`);
      await db.execute(`create table ${table} (${cols.join(', ')})`);
      await db.execute(
        `create ${ix.unique ? 'unique ' : ''}index on ${table} (${ix.columns.map((_, i) => `c${i}`).join(', ')})`,
      );
      // One row with every value present, one with NULL where the real column allows it (null bitmap).
      for (const withNulls of [false, true]) {
        const values = ix.columns.map((c, i) => {
          if (c.type === 'PgText') {
            return quote(
              textOfBytes(prng(n * 10 + i + (withNulls ? 5 : 0)), capOf(ix.table, c.name)!, 1024, 'mixed'),
            );
          }
          return withNulls && c.nullable ? 'null' : SAMPLE[SQL_TYPES[c.type]!]!;
        });
        await db.execute(`insert into ${table} values (${values.join(', ')})`);
      }
    }
    expect(n).toBeGreaterThan(10);
  });

  it('the probe text does not compress: well over the limit it is refused (54000)', async () => {
    await db.execute('create table cap_probe_over (c0 text)');
    await db.execute('create index on cap_probe_over (c0)');
    const over = textOfBytes(prng(99), 2800, 1024, 'mixed');
    const error = await db.execute(`insert into cap_probe_over values (${quote(over)})`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect(String((error as Error).message)).toMatch(/index row/);
  });
});
