/**
 * A dialect-neutral description of a live schema, read from the catalog. The parity test compares
 * the two dialects with it, the stairway test compares a database with itself over time, and the
 * snapshot test compares it with drizzle-kit's snapshot.
 */
export interface ColumnShape {
  /** The declared type, lower case, without a space before "(": "timestamp(3) with time zone", "text". */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
}

export interface IndexShape {
  unique: boolean;
  partial: boolean;
  /** Column names; expressions appear as "<expr>". */
  columns: string[];
}

export interface ForeignKeyShape {
  columns: string[];
  table: string;
  refColumns: string[];
  /** "cascade", "set null", "restrict", "no action", "set default". */
  onDelete: string;
}

export interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  indexes: Record<string, IndexShape>;
  foreignKeys: ForeignKeyShape[];
  checks: string[];
}

export interface SchemaShape {
  tables: Record<string, TableShape>;
}

/** Tables the migrator keeps for itself, left out of every comparison. */
export const BOOKKEEPING_TABLES = new Set(['orion_migrations']);

export function normaliseType(type: string): string {
  return type.toLowerCase().replace(/\s+\(/g, '(').trim();
}

/** Sorts foreign keys and checks so two shapes compare equal regardless of catalog order. */
export function sortShape(shape: SchemaShape): SchemaShape {
  const tables: Record<string, TableShape> = {};
  for (const name of Object.keys(shape.tables).sort()) {
    const t = shape.tables[name]!;
    tables[name] = {
      ...t,
      foreignKeys: [...t.foreignKeys].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      checks: [...t.checks].sort(),
    };
  }
  return { tables };
}
