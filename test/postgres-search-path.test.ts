/**
 * A PostgreSQL URL may set search_path (docs/settings.md). The open check refuses, before anything
 * is migrated, a path that does not put `public` first (the migrations name it) or does not reach
 * pg_trgm's schema: a fresh user's trial with `search_path=orion` got revision 1 applied in
 * `orion` and revision 2 failing on `gin_trgm_ops`.
 */
import fc from 'fast-check';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { UnsupportedDatabaseError, createDatabase } from '../src/index.js';
import { checkPostgresSupport } from '../src/dialect/postgres/support.js';
import { createServerDatabase, dropServerDatabase } from '../src/testing/postgres-server.js';
import { postgresServerUrl } from './support/dialects.js';

const serverUrl = await postgresServerUrl();

describe('the open check reads search_path (stubbed server)', () => {
  const rows = (over: Record<string, unknown>) => {
    const answers = [
      [{ num: 150004, text: '15.4' }],
      [
        {
          installed: true,
          available: true,
          superuser: false,
          can_create: true,
          database: 'orion',
          visible: true,
          trgm_schema: 'public',
          schema: 'public',
          public_first: true,
          search_path: '"$user", public',
          ...over,
        },
      ],
    ];
    return async () => answers.shift() ?? [];
  };

  it('property: refuses exactly when public is not first or an installed pg_trgm is out of reach', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.constantFrom('orion', 'app', 'public'), { nil: null }),
        async (installed, visible, schema) => {
          const check = checkPostgresSupport(
            rows({ installed, visible, schema, public_first: schema === 'public', trgm_schema: 'ext' }),
          );
          if (schema === null) {
            await expect(check).rejects.toThrow(
              /names no schema that exists in database "orion".*public first/,
            );
          } else if (schema !== 'public') {
            await expect(check).rejects.toThrow(new RegExp(`puts schema "${schema}" first.*schema "public"`));
          } else if (installed && !visible) {
            await expect(check).rejects.toThrow(
              /installed in schema "ext".*search_path=public,ext.*SET SCHEMA public;/,
            );
          } else {
            await expect(check).resolves.toBeUndefined();
          }
        },
      ),
    );
  });
});

describe.runIf(serverUrl !== undefined)('search_path in the URL (PostgreSQL server)', () => {
  /** A database of its own (tests run shuffled): pg_trgm in public, an empty schema `orion`. */
  async function withDatabase(
    fn: (
      open: (path: string) => string,
      tablesIn: (schema: string) => Promise<number>,
      sql: postgres.Sql,
    ) => Promise<void>,
  ) {
    const url = await createServerDatabase(serverUrl!, false);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql`create extension if not exists pg_trgm schema public`;
      await sql`create schema orion`;
      const withPath = (path: string) => {
        const u = new URL(url);
        u.searchParams.set('search_path', path);
        return u.toString();
      };
      const tablesIn = async (schema: string) =>
        Number((await sql`select count(*)::int as n from pg_tables where schemaname = ${schema}`)[0]!.n);
      await fn(withPath, tablesIn, sql);
    } finally {
      await sql.end();
      await dropServerDatabase(serverUrl!, new URL(url).pathname.slice(1));
    }
  }

  it('refuses a path that puts another schema first, and migrates nothing', () =>
    withDatabase(async (withPath, tablesIn) => {
      for (const path of ['orion', 'orion,public', 'nowhere']) {
        const error = await createDatabase({ url: withPath(path) }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnsupportedDatabaseError);
        expect((error as Error).message).toMatch(/keeps its tables in schema "public"/);
      }
      expect(await tablesIn('orion')).toBe(0);
      expect(await tablesIn('public')).toBe(0);
    }));

  it('refuses a path that leaves out the schema pg_trgm is in, naming the fix', () =>
    withDatabase(async (withPath, tablesIn, sql) => {
      await sql`create schema ext`;
      await sql`alter extension pg_trgm set schema ext`;
      const error = await createDatabase({ url: withPath('public') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedDatabaseError);
      expect((error as Error).message).toMatch(/installed in schema "ext".*search_path=public,ext/);
      expect(await tablesIn('public')).toBe(0);
      const db = await createDatabase({ url: withPath('public,ext') });
      try {
        const flow = await db.flows.create({ name: 'in-public' });
        expect((await db.flows.list({ where: { name: { like: 'N-PUBL' } } })).map((f) => f.id)).toEqual([
          flow.id,
        ]);
      } finally {
        await db.close();
      }
      expect(await tablesIn('public')).toBeGreaterThan(10);
      expect(await tablesIn('orion')).toBe(0);
    }));
});
