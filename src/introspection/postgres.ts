import { sql } from 'drizzle-orm';
import type { Row } from '../dialect/dialect.js';
import {
  BOOKKEEPING_TABLES,
  type ForeignKeyShape,
  type SchemaShape,
  type TableShape,
  normaliseType,
  sortShape,
} from './schema-shape.js';

type Query = (query: ReturnType<typeof sql.raw>) => Promise<Row[]>;

const ON_DELETE: Record<string, string> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

/** Reads the current schema of a PostgreSQL (or PGlite) database from pg_catalog. */
export async function introspectPostgres(query: Query): Promise<SchemaShape> {
  const columns = (await query(
    sql.raw(`select c.relname as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
        a.attnotnull as not_null, a.atthasdef as has_default, a.attgenerated <> '' as generated
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
      order by c.relname, a.attnum`),
  )) as {
    table: string;
    name: string;
    type: string;
    not_null: boolean;
    has_default: boolean;
    generated: boolean;
  }[];
  const shape: SchemaShape = { tables: {} };
  const tableOf = (name: string): TableShape => {
    shape.tables[name] ??= { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [], checks: [] };
    return shape.tables[name]!;
  };
  for (const c of columns) {
    if (BOOKKEEPING_TABLES.has(c.table)) continue;
    tableOf(c.table).columns[c.name] = {
      type: normaliseType(c.type),
      notNull: c.not_null,
      hasDefault: c.has_default && !c.generated,
      generated: c.generated,
    };
  }

  const indexes = (await query(
    sql.raw(`select t.relname as table, i.relname as name, x.indisunique as unique, x.indisprimary as primary,
        x.indpred is not null as partial,
        array(select coalesce(a.attname, '<expr>') from unnest(x.indkey::int2[]) with ordinality k(attnum, ord)
              left join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum and k.attnum > 0
              order by k.ord) as columns
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema() and t.relkind = 'r'`),
  )) as {
    table: string;
    name: string;
    unique: boolean;
    primary: boolean;
    partial: boolean;
    columns: string[];
  }[];
  for (const index of indexes) {
    if (!shape.tables[index.table]) continue;
    if (index.primary) {
      tableOf(index.table).primaryKey = index.columns;
      continue;
    }
    tableOf(index.table).indexes[index.name] = {
      unique: index.unique,
      partial: index.partial,
      columns: index.columns,
    };
  }

  const constraints = (await query(
    sql.raw(`select t.relname as table, con.conname as name, con.contype as kind, con.confdeltype as on_delete,
        r.relname as ref_table,
        array(select a.attname from unnest(con.conkey) with ordinality k(n, o) join pg_attribute a
              on a.attrelid = con.conrelid and a.attnum = k.n order by k.o) as columns,
        array(select a.attname from unnest(coalesce(con.confkey, '{}'::int2[])) with ordinality k(n, o) join pg_attribute a
              on a.attrelid = con.confrelid and a.attnum = k.n order by k.o) as ref_columns
      from pg_constraint con join pg_class t on t.oid = con.conrelid join pg_namespace n on n.oid = t.relnamespace
      left join pg_class r on r.oid = con.confrelid
      where n.nspname = current_schema() and con.contype in ('f', 'c')`),
  )) as {
    table: string;
    name: string;
    kind: string;
    on_delete: string;
    ref_table: string;
    columns: string[];
    ref_columns: string[];
  }[];
  for (const con of constraints) {
    if (!shape.tables[con.table]) continue;
    if (con.kind === 'c') tableOf(con.table).checks.push(con.name);
    else {
      const fk: ForeignKeyShape = {
        columns: con.columns,
        table: con.ref_table,
        refColumns: con.ref_columns,
        onDelete: ON_DELETE[con.on_delete] ?? con.on_delete,
      };
      tableOf(con.table).foreignKeys.push(fk);
    }
  }
  return sortShape(shape);
}
