/**
 * The named constraints of the schema, read from the Drizzle table definitions themselves, so that an
 * error can say which rows a constraint is about in words (semantics.md §2 "Errors") and name it
 * the same way on both dialects. Built once per dialect, on first use.
 */
import { getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import * as pgSchema from '../schema/postgres/index.js';
import * as sqliteSchema from '../schema/sqlite/index.js';
import { fk } from '../schema/naming.js';

/** A foreign key: `table(columns)` references `referencedTable(referencedColumns)`. */
export interface ForeignKeyInfo {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly referencedTable: string;
  readonly onDelete: string;
}

/** A unique index or primary key on `table(columns)`. */
export interface UniqueInfo {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
}

export interface ConstraintCatalog {
  /** Foreign keys by constraint name. */
  readonly foreignKeys: ReadonlyMap<string, ForeignKeyInfo>;
  /** Unique indexes by `table(col1,col2)`. */
  readonly uniques: ReadonlyMap<string, UniqueInfo>;
  /** The columns of every unique index and primary key, by name. */
  readonly uniqueColumns: ReadonlyMap<string, readonly string[]>;
  /** Every constraint and unique index by name, with the table it belongs to. */
  readonly tableOf: ReadonlyMap<string, string>;
  /** Every table the schema defines. */
  readonly tables: readonly string[];
}

interface LooseConfig {
  name: string;
  foreignKeys: {
    getName(): string;
    onDelete?: string;
    reference(): { columns: { name: string }[]; foreignTable: unknown };
  }[];
  indexes: { config: { name: string; unique?: boolean; columns: unknown[] } }[];
  primaryKeys: { getName(): string; columns: { name: string }[] }[];
}

function build(schema: Record<string, unknown>, config: (table: unknown) => LooseConfig): ConstraintCatalog {
  const foreignKeys = new Map<string, ForeignKeyInfo>();
  const uniques = new Map<string, UniqueInfo>();
  const tableOf = new Map<string, string>();
  const uniqueColumns = new Map<string, readonly string[]>();
  const tables: string[] = [];
  for (const value of Object.values(schema)) {
    if (typeof value !== 'object' || value === null || !('getSQL' in value)) continue;
    const c = config(value);
    tables.push(c.name);
    for (const key of c.foreignKeys) {
      const reference = key.reference();
      const info: ForeignKeyInfo = {
        name: key.getName(),
        table: c.name,
        columns: reference.columns.map((column) => column.name),
        referencedTable: config(reference.foreignTable).name,
        onDelete: key.onDelete ?? 'no action',
      };
      foreignKeys.set(info.name, info);
      tableOf.set(info.name, c.name);
    }
    for (const index of c.indexes) {
      if (!index.config.unique) continue;
      const columns = index.config.columns.map((column) =>
        typeof column === 'object' && column !== null && 'name' in column ? String(column.name) : '?',
      );
      uniques.set(`${c.name}(${columns.join(',')})`, { name: index.config.name, table: c.name, columns });
      uniqueColumns.set(index.config.name, columns);
      tableOf.set(index.config.name, c.name);
    }
    for (const key of c.primaryKeys) {
      tableOf.set(key.getName(), c.name);
      uniqueColumns.set(
        key.getName(),
        key.columns.map((column) => column.name),
      );
    }
  }
  return { foreignKeys, uniques, uniqueColumns, tableOf, tables };
}

let sqlite: ConstraintCatalog | undefined;
let postgres: ConstraintCatalog | undefined;

/** The constraints of the SQLite schema. */
export function sqliteConstraints(): ConstraintCatalog {
  sqlite ??= build(sqliteSchema, (table) => sqliteTableConfig(table as never) as unknown as LooseConfig);
  return sqlite;
}

/** The constraints of the PostgreSQL schema (PGlite included). */
export function postgresConstraints(): ConstraintCatalog {
  postgres ??= build(pgSchema, (table) => pgTableConfig(table as never) as unknown as LooseConfig);
  return postgres;
}

/**
 * The name of the foreign key `table(columns) → referencedTable`: the schema's own when it has one,
 * otherwise the name the naming convention gives it (a table created outside the schema).
 */
export function foreignKeyName(
  catalog: ConstraintCatalog,
  table: string,
  columns: readonly string[],
  referencedTable: string,
): string {
  for (const key of catalog.foreignKeys.values()) {
    if (
      key.table === table &&
      key.referencedTable === referencedTable &&
      key.columns.join(',') === columns.join(',')
    )
      return key.name;
  }
  return fk(table, [...columns], referencedTable);
}
