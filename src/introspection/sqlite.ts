import { sql } from 'drizzle-orm';
import type { Row } from '../dialect/dialect.js';
import {
  BOOKKEEPING_TABLES,
  type SchemaShape,
  type TableShape,
  normaliseType,
  sortShape,
} from './schema-shape.js';

type Query = (query: ReturnType<typeof sql.raw>) => Promise<Row[]>;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Reads a SQLite schema through PRAGMAs (table_xinfo, index_list, index_xinfo, foreign_key_list). */
export async function introspectSqlite(query: Query): Promise<SchemaShape> {
  const tables = await query(
    sql.raw(
      `select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`,
    ),
  );
  const shape: SchemaShape = { tables: {} };
  for (const { name, sql: ddl } of tables as { name: string; sql: string }[]) {
    if (BOOKKEEPING_TABLES.has(name)) continue;
    const table: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [], checks: [] };
    const columns = (await query(sql.raw(`pragma table_xinfo(${ident(name)})`))) as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
      hidden: number;
    }[];
    for (const c of columns) {
      const generated = c.hidden === 2 || c.hidden === 3;
      table.columns[c.name] = {
        type: normaliseType(c.type),
        notNull: c.notnull === 1 || c.pk > 0,
        hasDefault: c.dflt_value !== null,
        generated,
      };
    }
    table.primaryKey = columns
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const indexes = (await query(sql.raw(`pragma index_list(${ident(name)})`))) as {
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }[];
    for (const index of indexes) {
      if (index.origin === 'pk') continue;
      const info = (await query(sql.raw(`pragma index_xinfo(${ident(index.name)})`))) as {
        name: string | null;
        key: number;
        coll: string;
      }[];
      table.indexes[index.name] = {
        unique: index.unique === 1,
        partial: index.partial === 1,
        columns: info
          .filter((i) => i.key === 1)
          .map((i) => {
            if (i.name === null) return '<expr>';
            return i.coll === 'BINARY' ? i.name : `${i.name} collate ${i.coll.toLowerCase()}`;
          }),
      };
    }
    const fks = (await query(sql.raw(`pragma foreign_key_list(${ident(name)})`))) as {
      id: number;
      table: string;
      from: string;
      to: string;
      on_delete: string;
    }[];
    const byId = new Map<number, typeof fks>();
    for (const fk of fks) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
    for (const group of byId.values()) {
      table.foreignKeys.push({
        columns: group.map((g) => g.from),
        table: group[0]!.table,
        refColumns: group.map((g) => g.to),
        onDelete: group[0]!.on_delete.toLowerCase(),
      });
    }
    // SQLite has no catalog of CHECK constraints: read their names from the table's DDL.
    table.checks = [...ddl.matchAll(/CONSTRAINT\s+["`]?(\w+)["`]?\s+CHECK/gi)].map((m) => m[1]!);
    shape.tables[name] = table;
  }
  return sortShape(shape);
}
