/**
 * `db.execute` runs one statement on both dialects (docs/database.md "execute"): a text of two or
 * more is a ValidationError before the driver sees it (SQLite's driver would refuse it, PostgreSQL
 * would run them all); a `;` that ends the statement or stands in a string, quoted identifier,
 * comment or dollar-quoted body does not count.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, ValidationError } from '../src/index.js';
import { createTestDatabase } from '../src/testing/index.js';
import { DIALECTS } from './support/dialects.js';
import { dialectOf } from './support/internals.js';

/** Pieces that hold a `;` (or a quote) and are still one value of one select, on both dialects. */
const portablePiece = fc.constantFrom(
  "'a;b'",
  "'it''s; fine'",
  "';'",
  "'--;'",
  "'/*;*/'",
  '1',
  "'$$;$$'",
  '"x;y"',
  '"x""; y"',
);
/** Spacing and comments between tokens, some holding a `;`. */
const gap = fc.constantFrom(' ', '\n', ' /* ; */ ', ' -- ;\n', '\t');

/** `select <piece> as c0, ...` with comments around, without its ending `;`. */
const statementBody = fc
  .tuple(fc.array(portablePiece, { minLength: 1, maxLength: 4 }), gap)
  .map(([pieces, space]) => {
    const columns = pieces.map((p, i) => (p.startsWith('"') ? `1 as ${p}` : `${p} as c${i}`));
    return `${space}select${space}${columns.join(`,${space}`)}`;
  });
/** One statement, maybe ended by one `;`, maybe followed by a comment. */
const oneStatement = fc
  .tuple(statementBody, fc.boolean(), gap)
  .map(([body, ended, tail]) => `${body}${ended ? ';' : ''}${tail}`);

/** Statements a trigger body may hold (SQLite), some with `;`, END or CASE … END inside. */
const triggerStatement = fc.constantFrom(
  "insert into audit (note) values ('a; end')",
  "insert into audit (note) values (case when new.v > 1 then 'big' else 'small' end)",
  "update audit set note = note || ';' where note = 'x'",
  "delete from audit where note = 'end;'",
  'select case when 1 then (case when 2 then 3 end) end',
);
/** `create trigger … begin …; end` with 1 to 4 statements, maybe followed by one `;`. */
const triggerText = fc
  .tuple(fc.array(triggerStatement, { minLength: 1, maxLength: 4 }), gap, fc.boolean())
  .map(([body, space, ended]) => ({
    body: (name: string) =>
      `create trigger ${name} after insert on item begin${space}${body.join(`;${space}`)};${space}end${ended ? ';' : ''}`,
    rows: body.filter((b) => b.startsWith('insert')).length,
  }));

describe.each(DIALECTS)('db.execute runs one statement (%s)', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db.close();
  });

  it('one statement with semicolons in strings, identifiers and comments runs and returns its row', async () => {
    await fc.assert(
      fc.asyncProperty(oneStatement, async (text) => {
        expect(await db.execute(text), text).toHaveLength(1);
      }),
      { numRuns: 100 },
    );
  });

  it('two or more statements are a ValidationError on db and tx, sending nothing', async () => {
    const query = vi.spyOn(dialectOf(db), 'query');
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(statementBody, { minLength: 2, maxLength: 4 }),
          gap,
          fc.boolean(),
          async (statements, space, ended) => {
            const text = `${statements.join(`;${space}`)}${ended ? ';' : ''}`;
            query.mockClear();
            const error = await db.execute(text).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(error, text).toBeInstanceOf(ValidationError);
            expect((error as Error).message).toContain(`runs one statement, got ${statements.length}`);
            expect(query).not.toHaveBeenCalled();
          },
        ),
        { numRuns: 100 },
      );
      await db.transaction(async (tx) => {
        await expect(tx.execute('select 1; select 2')).rejects.toBeInstanceOf(ValidationError);
        await expect(tx.execute(sql`select ${'a;b'} as a; select 2`)).rejects.toBeInstanceOf(ValidationError);
      });
    } finally {
      query.mockRestore();
    }
  });

  // Found by a fresh-user trial: ';' reached SQLite's driver (a DatabaseError) and ran nothing on PostgreSQL.
  it('a text of no statement (comments, semicolons, white space) is a ValidationError on db and tx, sending nothing', async () => {
    const query = vi.spyOn(dialectOf(db), 'query');
    const nothing = fc
      .array(fc.constantFrom(';', ' ', '\n', '\t', '-- c ;\n', '/* ; */'), {
        minLength: 1,
        maxLength: 6,
      })
      .map((parts) => parts.join(''))
      .filter((text) => text.trim() !== '');
    try {
      const examples = [';', '-- nothing', '/* c */', ' ; ; '];
      await fc.assert(
        fc.asyncProperty(nothing, async (text) => {
          query.mockClear();
          const error = await db.execute(text).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, JSON.stringify(text)).toBeInstanceOf(ValidationError);
          expect((error as Error).message).toContain('got none');
          expect(query).not.toHaveBeenCalled();
        }),
        { numRuns: 100, examples: examples.map((e) => [e]) },
      );
      await db.transaction(async (tx) => {
        await expect(tx.execute(';')).rejects.toBeInstanceOf(ValidationError);
        await expect(tx.execute(sql`-- ${sql.raw('only a comment')}`)).rejects.toBeInstanceOf(
          ValidationError,
        );
      });
    } finally {
      query.mockRestore();
    }
  });

  it('a parameter holding a semicolon is a value, not a statement', async () => {
    const rows = await db.execute<{ v: string }>(sql`select ${'x; drop table flow'} as v`);
    expect(rows[0]?.v).toBe('x; drop table flow');
  });

  it.skipIf(dialect !== 'sqlite')('a SQLite trigger is one statement, whatever its body holds', async () => {
    await db.execute('create table item (v integer)');
    await db.execute('create table audit (note text)');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(triggerText, async ({ body, rows }) => {
        const name = `t${++n}`;
        await db.execute(body(name));
        await db.execute('delete from audit');
        await db.execute('insert into item (v) values (2)');
        const [count] = await db.execute<{ n: number }>('select count(*) as n from audit');
        // Every INSERT of the body ran once: the trigger holds the whole body.
        expect(Number(count!.n), body(name)).toBe(rows);
        await db.execute(`drop trigger ${name}`);
        // A statement after the trigger's END counts as a second one.
        await expect(db.execute(`${body(`${name}x`)}; select 2`)).rejects.toThrow(
          'runs one statement, got 2',
        );
      }),
      { numRuns: 40 },
    );
    await expect(
      db.execute('create trigger tc after insert on item begin select 1; end; commit'),
    ).rejects.toThrow('does not run COMMIT');
  });

  it.skipIf(dialect !== 'postgresql')('a PostgreSQL BEGIN ATOMIC body is one statement', async () => {
    await db.execute(
      "create function orion_atomic(a int) returns text language sql begin atomic select case when a > 1 then 'end;' else 'x' end; end",
    );
    expect(await db.execute<{ v: string }>('select orion_atomic(2) as v')).toEqual([{ v: 'end;' }]);
    await expect(
      db.execute('create procedure orion_p() language sql begin atomic select 1; end; select 2'),
    ).rejects.toThrow('runs one statement, got 2');
  });

  it.skipIf(dialect !== 'sqlite')('SQLite identifiers: brackets and backticks', async () => {
    expect(await db.execute('select 1 as [a;b], 2 as `c;d`;')).toEqual([{ 'a;b': 1, 'c;d': 2 }]);
    await expect(db.execute('select 1 as [a]; select 2')).rejects.toBeInstanceOf(ValidationError);
  });

  it.skipIf(dialect !== 'postgresql')('PostgreSQL bodies: dollar quotes and escape strings', async () => {
    for (const text of [
      'select $$a; b$$ as v',
      'select $fn$ select 1; select 2; $fn$ as v;',
      "select E'it\\'s; here' as v",
      'do $$ begin perform 1; perform 2; end $$',
    ])
      await db.execute(text);
    await expect(db.execute('select $$a$$; select 2')).rejects.toBeInstanceOf(ValidationError);
  });
});
