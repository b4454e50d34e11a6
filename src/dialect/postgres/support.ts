import { UnsupportedDatabaseError } from '../../errors.js';
import type { Row } from '../dialect.js';

export const MIN_POSTGRES_VERSION_NUM = 130000;

/** Runs one SQL text and returns its rows; lets the checks run on postgres.js, PGlite or a stub. */
export type TextQuery = (text: string) => Promise<Row[]>;

/**
 * Checks that a PostgreSQL server (or PGlite) can host @orion/db: version 13 or newer, and pg_trgm
 * either installed or creatable by this user. Throws UnsupportedDatabaseError saying what to do.
 */
export async function checkPostgresSupport(query: TextQuery): Promise<void> {
  const [version] = await query(
    "select current_setting('server_version_num')::int as num, current_setting('server_version') as text",
  );
  const num = Number(version?.num);
  if (!Number.isFinite(num) || num < MIN_POSTGRES_VERSION_NUM) {
    throw new UnsupportedDatabaseError(
      `PostgreSQL ${String(version?.text ?? num)} is too old: @orion/db needs PostgreSQL 13 or newer. Upgrade the server.`,
    );
  }
  const [trgm] = await query(
    `select
       exists(select 1 from pg_extension where extname = 'pg_trgm') as installed,
       exists(select 1 from pg_available_extensions where name = 'pg_trgm') as available,
       coalesce((select rolsuper from pg_roles where rolname = current_user), false) as superuser,
       has_database_privilege(current_database(), 'CREATE') as can_create,
       current_database() as database`,
  );
  if (trgm?.installed) return;
  const database = String(trgm?.database ?? 'your database');
  if (!trgm?.available) {
    throw new UnsupportedDatabaseError(
      `The pg_trgm extension is not available on this server: install PostgreSQL's contrib package (e.g. postgresql-contrib), then have a superuser run CREATE EXTENSION IF NOT EXISTS pg_trgm; in database "${database}".`,
    );
  }
  // pg_trgm is a trusted extension since PostgreSQL 13: CREATE privilege on the database suffices.
  if (!trgm.superuser && !trgm.can_create) {
    throw new UnsupportedDatabaseError(
      `The pg_trgm extension is not enabled in database "${database}" and this user may not enable it: have a superuser run CREATE EXTENSION IF NOT EXISTS pg_trgm; in database "${database}".`,
    );
  }
}
