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
       current_database() as database,
       exists(select 1 from pg_opclass where opcname = 'gin_trgm_ops' and pg_opclass_is_visible(oid)) as visible,
       (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
         where e.extname = 'pg_trgm') as trgm_schema,
       current_schema() as schema,
       current_schema() is not distinct from 'public' as public_first,
       current_setting('search_path') as search_path`,
  );
  const database = String(trgm?.database ?? 'your database');
  checkSearchPath(trgm ?? {}, database);
  if (trgm?.installed) return;
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

/**
 * The connection's search_path (a URL may set it: settings.md) must put `public` first: the
 * migrations name `"public"."table"` in their foreign keys (drizzle-kit writes them so), so tables
 * created in another schema would reference the tables of `public`, or fail when it has none. And
 * it must reach pg_trgm's schema, for the trigram indexes. A fresh user's trial with
 * `search_path=orion` got revision 1 applied in `orion` and revision 2 failing on `gin_trgm_ops`.
 */
function checkSearchPath(row: Row, database: string): void {
  const path = String(row.search_path ?? '');
  // Decided by the server's booleans: the text columns pass through a caller's client, whose
  // transforms may rewrite them (caller-client.test.ts); they only go into the message.
  if (row.public_first === false) {
    const first =
      row.schema === null
        ? `names no schema that exists in database "${database}"`
        : `puts schema "${String(row.schema)}" first`;
    throw new UnsupportedDatabaseError(
      `This connection's search_path (${path}) ${first}, but @orion/db keeps its tables in schema "public" (its migrations name it): leave search_path out of the URL or put public first (search_path=public,...); for tables of their own, give them a database of their own.`,
    );
  }
  if (row.installed && row.visible === false) {
    const where = String(row.trgm_schema);
    throw new UnsupportedDatabaseError(
      `The pg_trgm extension is installed in schema "${where}" of database "${database}", which is not on this connection's search_path (${path}), so its operators cannot be found: add it (in the URL: search_path=public,${where}), or have the extension's owner run ALTER EXTENSION pg_trgm SET SCHEMA public; in database "${database}".`,
    );
  }
}
