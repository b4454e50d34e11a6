/**
 * Compile-time parity: for every table, `$inferSelect` and `$inferInsert` of the PostgreSQL and the
 * SQLite schema are the same type. A drift between the two schemas fails `npm run typecheck`.
 */
import type * as pg from '../../src/schema/postgres/index.js';
import type * as lite from '../../src/schema/sqlite/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Tables<M> = { [K in keyof M as M[K] extends { $inferSelect: unknown } ? K : never]: M[K] };
type PgTables = Tables<typeof pg>;
type LiteTables = Tables<typeof lite>;

type SameNames = Equal<keyof PgTables, keyof LiteTables>;
type SelectParity = {
  [K in keyof PgTables & keyof LiteTables]: Equal<
    (PgTables[K] & { $inferSelect: unknown })['$inferSelect'],
    (LiteTables[K] & { $inferSelect: unknown })['$inferSelect']
  >;
};
type InsertParity = {
  [K in keyof PgTables & keyof LiteTables]: Equal<
    (PgTables[K] & { $inferInsert: unknown })['$inferInsert'],
    (LiteTables[K] & { $inferInsert: unknown })['$inferInsert']
  >;
};
/** The tables whose types differ, or never. */
type Mismatched<P> = { [K in keyof P]: P[K] extends true ? never : K }[keyof P];

export const sameTableNames: SameNames = true;
export const selectTypesAgree: Equal<Mismatched<SelectParity>, never> = true;
export const insertTypesAgree: Equal<Mismatched<InsertParity>, never> = true;
