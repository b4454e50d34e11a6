import { sql } from 'drizzle-orm';
import type { RawExecutor, Row } from '../dialect/dialect.js';

/** Our own bookkeeping table: one row per applied revision. Plain SQL that both dialects accept. */
export const HISTORY_TABLE = 'orion_migrations';

export const CREATE_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
  revision text PRIMARY KEY NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at text NOT NULL
)`;

export interface AppliedRevision {
  revision: string;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export function toApplied(row: Row): AppliedRevision {
  return {
    revision: String(row.revision),
    name: String(row.name),
    checksum: String(row.checksum),
    appliedAt: new Date(String(row.applied_at)),
  };
}

export const SELECT_HISTORY = sql.raw(`select revision, name, checksum, applied_at from ${HISTORY_TABLE}`);

export async function readHistory(raw: RawExecutor): Promise<AppliedRevision[]> {
  return (await raw.query(SELECT_HISTORY)).map(toApplied);
}

export async function recordApplied(
  raw: RawExecutor,
  revision: { revision: string; name: string; checksum: string },
) {
  const now = new Date().toISOString();
  await raw.query(
    sql`insert into ${sql.raw(HISTORY_TABLE)} (revision, name, checksum, applied_at) values (${revision.revision}, ${revision.name}, ${revision.checksum}, ${now})`,
  );
}

export async function recordReverted(raw: RawExecutor, revision: string) {
  await raw.query(sql`delete from ${sql.raw(HISTORY_TABLE)} where revision = ${revision}`);
}
