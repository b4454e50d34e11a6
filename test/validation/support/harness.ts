/**
 * The boundary properties: for one repository method, generated valid inputs at their limits
 * succeed and read back equal; generated invalid ones are a ValidationError naming the field, and
 * the database is unchanged (a dump of every table before and after the whole run).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type Database, ValidationError } from '../../../src/index.js';
import { plant, unrepresentable } from './values.js';

/** At least 200 generated cases per method in CI (ORION_BOUNDARY_RUNS may raise it locally). */
export const RUNS = Math.max(200, Number(process.env.ORION_BOUNDARY_RUNS ?? 0));

/** An invalid input and the path its ValidationError must name. */
export interface Invalid<I> {
  input: I;
  path: string;
  /** Words the message must contain besides the path. */
  says?: RegExp;
}

export interface Boundary<V> {
  method: string;
  valid: fc.Arbitrary<V>;
  /** Calls the method with a valid input and checks what get() (or list()) returns. */
  roundTrip: (input: V) => Promise<void>;
  invalid: fc.Arbitrary<Invalid<V>>;
  /** Calls the method with an invalid input. */
  call: (input: V) => Promise<unknown>;
}

/** Every row of every table, as text: equal dumps mean nothing was written. */
export async function dumpAll(db: Database): Promise<string> {
  const tables =
    db.dialect === 'sqlite'
      ? await db.execute<{ name: string }>(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
        )
      : await db.execute<{ name: string }>(
          'select tablename as name from pg_tables where schemaname = current_schema() order by tablename',
        );
  const out: string[] = [];
  for (const { name } of tables) {
    const rows = await db.execute(`select * from "${name}" order by 1`);
    out.push(`${name}: ${JSON.stringify(rows)}`);
  }
  return out.join('\n');
}

/** Defines the two properties of `boundary` as tests (call inside a describe with a live `db`). */
export function boundaryTests<V>(getDb: () => Database, make: () => Boundary<V>): void {
  const { method } = make();
  it(`${method}: valid inputs at their limits succeed and read back equal`, async () => {
    const b = make();
    await fc.assert(
      fc.asyncProperty(b.valid, (input) => b.roundTrip(input)),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
  it(`${method}: invalid inputs are a ValidationError naming the field, nothing written`, async () => {
    const b = make();
    const db = getDb();
    const before = await dumpAll(db);
    await fc.assert(
      fc.asyncProperty(b.invalid, async ({ input, path, says }) => {
        const error = await b.call(input).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!(error instanceof ValidationError)) {
          throw new Error(`expected a ValidationError naming ${path}, got ${String(error)}`);
        }
        expect(error.message).toContain(`${path}`);
        if (says) expect(error.message).toMatch(says);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(await dumpAll(db)).toBe(before);
  });
}

/** What a JSON document must read back as: JSON.parse(JSON.stringify(input)). */
export function expectJson(actual: unknown, input: unknown): void {
  if (input === undefined) return;
  const expected = JSON.parse(JSON.stringify(input));
  // Exactly what JSON.parse(JSON.stringify(input)) gives, key order included, on both dialects
  // (semantics.md §2): user documents are `json` on PostgreSQL and parsed once.
  expect(actual).toEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

/** Returns a copy of `input` with `value` at `path` (objects and arrays copied along the way). */
export function setAt<T>(input: T, path: (string | number)[], value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(input) ? [...input] : { ...(input as object) };
  copy[head!] = setAt(copy[head!], rest, value);
  return copy;
}

/** Formats a path as the ValidationError does: `a.b[2]`. */
export function pathText(path: (string | number)[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${p}` : p),
    '',
  );
}

/** An invalid input: `valid` with `bad` at `path`. */
export function defect<V>(
  valid: fc.Arbitrary<V>,
  path: (string | number)[],
  bad: fc.Arbitrary<unknown>,
): fc.Arbitrary<Invalid<V>> {
  return fc.tuple(valid, bad).map(([v, b]) => ({ input: setAt(v, path, b), path: pathText(path) }));
}

/** An invalid input: `valid` with something JSON cannot represent planted in the document at `path`. */
export function jsonDefect<V>(valid: fc.Arbitrary<V>, path: (string | number)[]): fc.Arbitrary<Invalid<V>> {
  return fc.tuple(valid, unrepresentable, fc.nat()).map(([v, bad, where]) => {
    const current = path.reduce<any>((o, p) => (o === undefined ? undefined : o[p]), v);
    const base = typeof current === 'object' && current !== null && !Array.isArray(current) ? current : {};
    const planted = plant(base, bad.value(), where);
    return { input: setAt(v, path, planted.doc), path: `${pathText(path)}.${planted.path}`, says: bad.says };
  });
}
