/** Schema snapshots and diffs through drizzle-kit's programmatic API, for both dialects. Dev-time only. */
import {
  generateDrizzleJson,
  generateMigration,
  generateSQLiteDrizzleJson,
  generateSQLiteMigration,
} from 'drizzle-kit/api';
import * as postgresSchema from '../src/schema/postgres/index.js';
import * as sqliteSchema from '../src/schema/sqlite/index.js';
import type { DialectName } from './drizzle-files.js';

type Snapshot = Record<string, any>;

/** The snapshot drizzle-kit would write for the schema in the code right now. */
export async function currentSnapshot(dialect: DialectName): Promise<Snapshot> {
  return dialect === 'sqlite'
    ? await generateSQLiteDrizzleJson(sqliteSchema)
    : generateDrizzleJson(postgresSchema);
}

/** An empty schema, the state before revision 1. */
export async function emptySnapshot(dialect: DialectName): Promise<Snapshot> {
  return dialect === 'sqlite' ? await generateSQLiteDrizzleJson({}) : generateDrizzleJson({});
}

/** The SQL statements that turn `from` into `to`. */
export async function diff(dialect: DialectName, from: Snapshot, to: Snapshot): Promise<string[]> {
  return dialect === 'sqlite'
    ? generateSQLiteMigration(from as never, to as never)
    : generateMigration(from as never, to as never);
}

/**
 * Tables that both gain and lose columns between two snapshots (or a snapshot pair that both adds
 * and drops tables): drizzle-kit would ask whether that is a rename, and a reversed rename would
 * drop data, so such a down migration must be written by hand.
 */
export function ambiguousRenames(from: Snapshot, to: Snapshot): string[] {
  const problems: string[] = [];
  const fromTables = Object.keys(from.tables ?? {});
  const toTables = Object.keys(to.tables ?? {});
  const added = toTables.filter((t) => !fromTables.includes(t));
  const dropped = fromTables.filter((t) => !toTables.includes(t));
  if (added.length > 0 && dropped.length > 0)
    problems.push(`tables added (${added}) and dropped (${dropped})`);
  for (const table of toTables.filter((t) => fromTables.includes(t))) {
    const before = Object.keys(from.tables[table].columns ?? {});
    const after = Object.keys(to.tables[table].columns ?? {});
    if (after.some((c) => !before.includes(c)) && before.some((c) => !after.includes(c))) {
      problems.push(`table ${table} both gains and loses columns`);
    }
  }
  return problems;
}
