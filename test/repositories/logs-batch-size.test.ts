/**
 * db.logs.createMany on both dialects with text the trigram index finds costly (the fifth trial:
 * 7,281 random 300-character messages, or a few random 1 MB ones, ran past PostgreSQL's 10 s
 * statement timeout in one statement, and a retry failed the same way). Statements are cut by
 * bytes of message text as well as by rows, inside one transaction: stored whole and in order, or
 * nothing on error.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, DatabaseError } from '../../src/index.js';
import { LOG_STATEMENT_TEXT_BYTES } from '../../src/repositories/logs/sizing.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { dialectOf } from '../support/internals.js';

const random = (chars: number) =>
  randomBytes(Math.ceil((chars * 3) / 4) + 3)
    .toString('base64')
    .slice(0, chars);
const at = new Date(Date.UTC(2026, 0, 1));

describe.each(DIALECTS)('createMany of costly text (%s)', (dialect) => {
  let db: Database;
  /** Bytes of messages each INSERT of the log table carried, in order. */
  let statements: number[];
  /** Rows each INSERT carried. */
  let rowCounts: number[];
  /** When set, the INSERT with this index fails as a statement timeout would. */
  let failAt: number | undefined;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    statements = [];
    rowCounts = [];
    failAt = undefined;
    const d = dialectOf(db);
    const runText = d.runText.bind(d);
    d.runText = async (q, text, params) => {
      if (text.startsWith('insert into "log"')) {
        let bytes = 0;
        for (let i = 7; i < params.length; i += 9) bytes += Buffer.byteLength(params[i] as string);
        statements.push(bytes);
        rowCounts.push(params.length / 9);
        if (failAt === statements.length - 1) {
          const timeout = Object.assign(new Error('canceling statement due to statement timeout'), {
            code: '57014',
          });
          throw new DatabaseError('PostgreSQL error 57014', { cause: timeout, retryable: true });
        }
      }
      return runText(q, text, params);
    };
  });
  afterEach(async () => {
    await db.close();
  });

  /** Bytes of message text one statement may carry on this dialect (a longer message goes alone). */
  const textBound = dialect === 'sqlite' ? 16 * 2 ** 20 : LOG_STATEMENT_TEXT_BYTES;

  it("the trial's batches are stored within the default timeout: 7,281 random 300-character messages, three random 1 MB ones", async () => {
    const small = Array.from({ length: 7281 }, (_, i) => ({
      name: 'l',
      level: 20,
      message: `${String(i).padStart(5, '0')}${random(295)}`,
      timestamp: at,
    }));
    expect(await db.logs.createMany(small)).toBe(7281);
    const big = Array.from({ length: 3 }, (_, i) => ({
      name: 'big',
      level: 20,
      message: `${i}${random(999_999)}`,
      timestamp: new Date(at.getTime() + 1),
    }));
    expect(await db.logs.createMany(big)).toBe(3);
    // Statements stay within the bound; a message longer than it goes alone.
    expect(statements.filter((bytes, i) => bytes > textBound && rowCounts[i] !== 1)).toEqual([]);
    if (dialect !== 'sqlite') expect(statements.length).toBeGreaterThanOrEqual(9 + 3);
    const read = await db.logs.list({ limit: 10_000 });
    expect(read.map((l) => l.message.slice(0, 5))).toEqual([
      ...small.map((l) => l.message.slice(0, 5)),
      ...big.map((l) => l.message.slice(0, 5)),
    ]);
  }, 180_000);

  it('every accepted batch is stored whole and in order, or nothing is stored when one of its statements fails', async () => {
    const size = fc.oneof(
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 1000, max: 20_000 }),
      fc.integer({ min: 100_000, max: 300_000 }),
    );
    const batch = fc.record({
      sizes: fc.array(size, { minLength: 1, maxLength: 40 }),
      repeat: fc.integer({ min: 1, max: 150 }),
      randomText: fc.boolean(),
      fail: fc.option(fc.nat({ max: 12 }), { nil: undefined }),
    });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(batch, async ({ sizes, repeat, randomText, fail }) => {
        round += 1;
        await db.execute(dialect === 'sqlite' ? 'delete from log' : 'truncate log');
        const logs: { name: string; level: number; message: string; timestamp: Date }[] = [];
        for (let r = 0; r < repeat; r++) {
          for (const chars of sizes) {
            // Many small rows; big ones are kept few so that a run stays within a few MB.
            if (chars > 20_000 && r > 0) continue;
            const n = logs.length;
            const body = randomText ? random(chars) : 'a'.repeat(chars);
            logs.push({ name: 'p', level: 20, message: `${round}:${n};${body}`, timestamp: at });
          }
        }
        statements = [];
        rowCounts = [];
        failAt = fail;
        const result = await db.logs.createMany(logs).catch((e: unknown) => e);
        failAt = undefined;
        // A statement over the bound holds one message alone (it cannot be split).
        expect(statements.filter((bytes, i) => bytes > textBound && rowCounts[i] !== 1)).toEqual([]);
        if (fail !== undefined && fail < statements.length) {
          expect(result).toBeInstanceOf(DatabaseError);
          expect((result as DatabaseError).retryable).toBe(true);
          expect((result as Error).message).toContain('ORION_DATABASE_TIMEOUT');
          expect(await db.logs.count()).toBe(0);
        } else {
          expect(result).toBe(logs.length);
          const read = await db.logs.list({ limit: 10_000 });
          expect(read.map((l) => l.message.slice(0, l.message.indexOf(';')))).toEqual(
            logs.map((l) => l.message.slice(0, l.message.indexOf(';'))),
          );
          expect(read.map((l) => l.message.length)).toEqual(logs.map((l) => l.message.length));
        }
      }),
      { numRuns: 12 },
    );
  }, 300_000);

  it('inside a caller transaction the statements are one unit: a failure leaves nothing and the transaction usable', async () => {
    const logs = Array.from({ length: 3000 }, (_, i) => ({
      name: 'p',
      level: 20,
      message: `${i};${random(300)}`,
      timestamp: at,
    }));
    failAt = dialect === 'sqlite' ? 1 : 2;
    const outcome = await db.transaction(async (tx) => {
      await tx.logs.createMany([{ name: 'p', level: 20, message: 'before', timestamp: at }]);
      const error = await tx.logs.createMany(logs).catch((e: unknown) => e);
      return { error, count: await tx.logs.count() };
    });
    expect(outcome.error).toBeInstanceOf(DatabaseError);
    expect(outcome.count).toBe(1);
    expect(await db.logs.count()).toBe(1);
  }, 120_000);
});
