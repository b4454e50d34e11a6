/**
 * A unique violation reads the same on both dialects (trial 5): PostgreSQL's message used to carry
 * the driver's detail with the row's values ("Key (block_type_id, name)=(<uuid>, prod) already
 * exists."), SQLite's the column names. A property over every unique index and primary key of the
 * schema: the driver errors each dialect raises for it map to one message, class, entity and
 * constraint, with no value in the message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { postgresConstraints, sqliteConstraints } from '../../src/dialect/constraints.js';
import { mapDriverError } from '../../src/dialect/map-error.js';
import { ConflictError } from '../../src/index.js';

/** Every unique index and primary key: name, table, columns, and whether it is the primary key. */
function uniqueConstraints() {
  const pg = postgresConstraints();
  return [...pg.uniqueColumns].map(([name, columns]) => ({
    name,
    table: pg.tableOf.get(name)!,
    columns,
    primary: ![...pg.uniques.values()].some((u) => u.name === name),
  }));
}

describe('unique violations: one message on both dialects', () => {
  it('the catalogs of both dialects list the same unique constraints', () => {
    expect([...sqliteConstraints().uniqueColumns].sort()).toEqual(
      [...postgresConstraints().uniqueColumns].sort(),
    );
    expect(uniqueConstraints().length).toBeGreaterThan(10);
  });

  it('property: every unique constraint, any values', () => {
    const value = fc.string({ minLength: 3, maxLength: 20 }).filter((v) => /^[a-z0-9-]+$/.test(v));
    fc.assert(
      fc.property(
        fc.constantFrom(...uniqueConstraints()),
        fc.array(value, { minLength: 5, maxLength: 5 }),
        (u, values) => {
          const rowValues = u.columns.map((_, i) => `${values[i % values.length]}-${i}-value`);
          const sqlite = Object.assign(
            new Error(`UNIQUE constraint failed: ${u.columns.map((c) => `${u.table}.${c}`).join(', ')}`),
            { code: u.primary ? 'SQLITE_CONSTRAINT_PRIMARYKEY' : 'SQLITE_CONSTRAINT_UNIQUE' },
          );
          const postgres = Object.assign(
            new Error(`duplicate key value violates unique constraint "${u.name}"`),
            {
              code: '23505',
              constraint_name: u.name,
              table_name: u.table,
              detail: `Key (${u.columns.join(', ')})=(${rowValues.join(', ')}) already exists.`,
            },
          );
          const a = mapDriverError(sqlite) as ConflictError;
          const b = mapDriverError(postgres) as ConflictError;
          expect(a).toBeInstanceOf(ConflictError);
          expect(b).toBeInstanceOf(ConflictError);
          expect(b.message).toBe(a.message);
          expect([b.entity, b.constraint]).toEqual([a.entity, a.constraint]);
          expect(a.message).toContain(`(${u.name})`);
          for (const v of rowValues) expect(b.message).not.toContain(v);
        },
      ),
      { numRuns: 300 },
    );
  });
});
