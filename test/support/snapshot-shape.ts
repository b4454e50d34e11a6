import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DialectName, SchemaShape, TableShape } from '../../src/index.js';
import { normaliseType, sortShape } from '../../src/introspection/schema-shape.js';
import { PACKAGE_MIGRATIONS_DIR } from '../../src/migrations/revisions.js';

/** drizzle-kit's snapshot of the last revision, in the SchemaShape form introspection produces. */
export function headSnapshotShape(dialect: DialectName): SchemaShape {
  const folder = join(PACKAGE_MIGRATIONS_DIR, dialect === 'sqlite' ? 'sqlite' : 'postgres');
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8'));
  const last = journal.entries.at(-1);
  const snapshot = JSON.parse(
    readFileSync(join(folder, 'meta', `${String(last.idx).padStart(4, '0')}_snapshot.json`), 'utf8'),
  );
  const shape: SchemaShape = { tables: {} };
  for (const table of Object.values<any>(snapshot.tables)) {
    const t: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [], checks: [] };
    for (const c of Object.values<any>(table.columns)) {
      t.columns[c.name] = {
        type: normaliseType(c.type),
        notNull: Boolean(c.notNull || c.primaryKey),
        hasDefault: c.default !== undefined,
        generated: c.generated !== undefined,
      };
      if (c.primaryKey) t.primaryKey.push(c.name);
    }
    for (const pk of Object.values<any>(table.compositePrimaryKeys ?? {})) t.primaryKey = [...pk.columns];
    for (const index of Object.values<any>(table.indexes ?? {})) {
      t.indexes[index.name] = {
        unique: index.isUnique,
        partial: index.where !== undefined && index.where !== null,
        columns: index.columns.map((col: any) => {
          if (typeof col === 'string') {
            const text = col.trim().replace(/\s+/g, ' ');
            return /^\w+( collate \w+)?$/i.test(text)
              ? text.replace(/ collate (\w+)$/i, (_, c) => ` collate ${c.toLowerCase()}`)
              : '<expr>';
          }
          return col.isExpression ? '<expr>' : col.expression;
        }),
      };
    }
    for (const fk of Object.values<any>(table.foreignKeys ?? {})) {
      t.foreignKeys.push({
        columns: fk.columnsFrom,
        table: fk.tableTo,
        refColumns: fk.columnsTo,
        onDelete: (fk.onDelete ?? 'no action').toLowerCase(),
      });
    }
    t.checks = Object.values<any>(table.checkConstraints ?? {}).map((c) => c.name);
    shape.tables[table.name] = t;
  }
  return sortShape(shape);
}
