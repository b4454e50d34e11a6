/**
 * db.logs on both dialects (issue 9): every example of the issue, through the same test body.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, DatabaseError, type LogCreate, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { dialectOf } from '../support/internals.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe.each(DIALECTS)('logs (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it('writes 100,000 logs in one createMany, all there and in order', async () => {
    const run = randomUUID();
    const logs: LogCreate[] = Array.from({ length: 100_000 }, (_, i) => ({
      name: 'prefect.flow_runs',
      level: 20,
      message: `line ${i}`,
      flowRunId: run,
      // Many equal timestamps: ties come back in the order given.
      timestamp: at(Math.floor(i / 1000)),
    }));
    expect(await db.logs.createMany(logs)).toBe(100_000);
    expect(await db.logs.count()).toBe(100_000);
    let expected = 0;
    for await (const log of db.logs.stream({ flowRunId: { any: [run] } }, { batchSize: 10_000 })) {
      expect(log.message).toBe(`line ${expected}`);
      expected += 1;
    }
    expect(expected).toBe(100_000);
  }, 120_000);

  it("the dialect's bind limit is the driver's real one: a statement with that many parameters runs, one more is refused", async () => {
    const dialect = dialectOf(db);
    const max = dialect.capabilities.maxParameters;
    expect(max).toBe(db.dialect === 'sqlite' ? 32_766 : 65_533);
    // A VALUES list of one-column rows: no expression depth limit, one parameter a row.
    const statement = (n: number) =>
      `select count(*) from (values ${Array.from({ length: n }, (_, i) => `(${dialect.fragments.placeholder(i + 1)})`).join(', ')}) as v`;
    const ones = (n: number) => Array.from({ length: n }, () => '1');
    await dialect.run((q) => dialect.runText(q, statement(max), ones(max)));
    // PGlite binds in process up to the protocol's 65,535; the family keeps postgres.js's lower limit.
    if (db.driver === 'pglite') return;
    await expect(
      dialect.run((q) => dialect.runText(q, statement(max + 1), ones(max + 1))),
    ).rejects.toBeInstanceOf(DatabaseError);
  });

  it('a row that fails validation in the middle writes nothing, and the error names its index', async () => {
    const logs: LogCreate[] = Array.from({ length: 5000 }, (_, i) => ({
      name: 'n',
      level: 'INFO',
      message: `m${i}`,
    }));
    logs[2500] = { name: 'n', level: 101, message: 'too loud' };
    const error = await db.logs.createMany(logs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain('[2500].level');
    expect(await db.logs.count()).toBe(0);
  });

  it('strips NUL and replaces lone surrogates in messages and logger names; levels by name', async () => {
    await db.logs.createMany([
      { name: 'a\0b\uD800', level: 'debug', message: 'x\0y\uDC00z', timestamp: at(1) },
      { name: 'c', level: 'CRITICAL', message: 'ok', timestamp: '2026-01-01T00:00:02+01:00' },
      { name: 'c', level: 0, message: '', timestamp: at(3) },
      { name: 'c', level: 100, message: 'top', timestamp: at(4) },
    ]);
    const logs = await db.logs.list();
    expect(logs.map((l) => [l.name, l.level, l.message])).toEqual([
      ['c', 50, 'ok'],
      ['ab\uFFFD', 10, 'xy\uFFFDz'],
      ['c', 0, ''],
      ['c', 100, 'top'],
    ]);
    expect(logs[0]!.timestamp.toISOString()).toBe('2025-12-31T23:00:02.000Z');
  });

  it('keeps a 1 MB message; refuses one byte more, with nothing written', async () => {
    const big = 'é'.repeat(500_000);
    await db.logs.createMany([{ name: 'n', level: 20, message: big }]);
    expect((await db.logs.list())[0]!.message).toBe(big);
    await expect(
      db.logs.createMany([
        { name: 'n', level: 20, message: 'fine' },
        { name: 'n', level: 20, message: `${big}x` },
      ]),
    ).rejects.toThrow(/\[1\]\.message: at most 1000000 bytes/);
    expect(await db.logs.count()).toBe(1);
  });

  it('takes logs of runs that do not exist (yet): no foreign keys', async () => {
    const flowRunId = randomUUID();
    const taskRunId = randomUUID();
    expect(await db.logs.createMany([{ name: 'n', level: 20, message: 'early', flowRunId, taskRunId }])).toBe(
      1,
    );
    expect(await db.logs.list({ where: { taskRunId: { any: [taskRunId] } } })).toMatchObject([
      { flowRunId, taskRunId, message: 'early' },
    ]);
  });

  describe('filters', () => {
    const runA = randomUUID();
    const runB = randomUUID();
    const task = randomUUID();
    beforeEach(async () => {
      await db.logs.createMany([
        { name: 'p', level: 10, message: 'Connecting to DB', flowRunId: runA, timestamp: at(1) },
        {
          name: 'p',
          level: 20,
          message: 'connection TIMEOUT after 5s',
          flowRunId: runA,
          taskRunId: task,
          timestamp: at(2),
        },
        { name: 'p', level: 40, message: 'Error: retry 100% failed', flowRunId: runA, timestamp: at(3) },
        { name: 'p', level: 30, message: 'warning: disk_usage high', flowRunId: runB, timestamp: at(4) },
        { name: 'p', level: 50, message: 'CAFÉ crashed', flowRunId: null, timestamp: at(5) },
      ]);
    });
    const messages = async (where: object) =>
      (await db.logs.list({ where: where as never })).map((l) => l.message.split(' ')[0]);

    it('flow run ids, task run ids and task-run is-null', async () => {
      expect(await messages({ flowRunId: { any: [runA] } })).toEqual(['Connecting', 'connection', 'Error:']);
      expect(await messages({ flowRunId: { any: [runA, runB] } })).toHaveLength(4);
      expect(await messages({ flowRunId: { any: [] } })).toEqual([]);
      expect(await messages({ flowRunId: { isNull: true } })).toEqual(['CAFÉ']);
      expect(await messages({ taskRunId: { any: [task] } })).toEqual(['connection']);
      expect(await messages({ taskRunId: { isNull: true } })).toHaveLength(4);
      expect(await messages({ taskRunId: { isNull: false } })).toEqual(['connection']);
    });

    it('level ge/le, by number or name, and timestamp before/after (inclusive)', async () => {
      expect(await messages({ level: { ge: 'WARNING' } })).toEqual(['Error:', 'warning:', 'CAFÉ']);
      expect(await messages({ level: { ge: 20, le: 40 } })).toEqual(['connection', 'Error:', 'warning:']);
      expect(await messages({ timestamp: { after: at(2), before: at(4) } })).toEqual([
        'connection',
        'Error:',
        'warning:',
      ]);
      expect(await db.logs.count({ where: { level: { le: 'DEBUG' } } })).toBe(1);
    });

    it('text query: OR-ed terms, -term excludes, "a phrase", ASCII case-insensitive, wildcards literal', async () => {
      expect(await messages({ text: { query: 'timeout error' } })).toEqual(['connection', 'Error:']);
      expect(await messages({ text: { query: 'conn -timeout' } })).toEqual(['Connecting']);
      expect(await messages({ text: { query: '-conn' } })).toEqual(['Error:', 'warning:', 'CAFÉ']);
      expect(await messages({ text: { query: '"connection timeout"' } })).toEqual(['connection']);
      expect(await messages({ text: { query: '"to db" -"after 5s"' } })).toEqual(['Connecting']);
      expect(await messages({ text: { query: '100%' } })).toEqual(['Error:']);
      expect(await messages({ text: { query: '10_%' } })).toEqual([]);
      expect(await messages({ text: { query: 'disk_usage' } })).toEqual(['warning:']);
      expect(await messages({ text: { query: 'disk%usage' } })).toEqual([]);
      // ASCII letters fold; É and é do not (the same on both dialects).
      expect(await messages({ text: { query: 'café' } })).toEqual([]);
      expect(await messages({ text: { query: 'cafÉ' } })).toEqual(['CAFÉ']);
      expect(await messages({ text: { query: '' } })).toHaveLength(5);
      expect(await db.logs.count({ where: { text: { query: 'error timeout' }, level: { ge: 30 } } })).toBe(1);
    });

    it('refuses more than 50 terms or 1,000 characters', async () => {
      const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`).join(' ');
      expect(await db.logs.count({ where: { text: { query: fifty } } })).toBe(0);
      await expect(db.logs.count({ where: { text: { query: `${fifty} x` } } })).rejects.toThrow(
        /text\.query: at most 50 terms/,
      );
      await expect(db.logs.list({ where: { text: { query: 'x'.repeat(1001) } } })).rejects.toThrow(
        /at most 1000 characters/,
      );
    });

    it('refuses NUL and lone surrogates in the query, naming it (as every field but messages)', async () => {
      for (const query of ['a\0zzz', '\0', 'x\uD800']) {
        await expect(db.logs.list({ where: { text: { query } } })).rejects.toThrow(/where\.text\.query/);
        await expect(db.logs.count({ where: { text: { query } } })).rejects.toBeInstanceOf(ValidationError);
      }
    });

    it('sorts TIMESTAMP_ASC by default and TIMESTAMP_DESC; limit and offset', async () => {
      expect((await db.logs.list({ sort: 'TIMESTAMP_DESC', limit: 2 })).map((l) => l.level)).toEqual([
        50, 30,
      ]);
      expect((await db.logs.list({ offset: 3 })).map((l) => l.level)).toEqual([30, 50]);
      expect((await db.logs.list({ limit: 2, offset: 1 })).map((l) => l.level)).toEqual([20, 40]);
    });
  });

  it('keyset pages are stable while logs keep arriving; later logs with older timestamps land behind the cursor', async () => {
    const run = randomUUID();
    const batch = (from: number, n: number, stamp: (i: number) => Date) =>
      Array.from({ length: n }, (_, i) => ({
        name: 'p',
        level: 20,
        message: `m${from + i}`,
        flowRunId: run,
        timestamp: stamp(from + i),
      }));
    // Ten logs share each second: ties are broken by id.
    await db.logs.createMany(batch(0, 50, (i) => at(Math.floor(i / 10))));
    const where = { flowRunId: { any: [run] } };
    const first = await db.logs.list({ where, limit: 20 });
    await db.logs.createMany(batch(1000, 5, () => at(0))); // older than the cursor: behind it
    await db.logs.createMany(batch(2000, 5, () => at(100))); // newer: ahead of it
    const second = await db.logs.list({ where, limit: 20, after: first.at(-1) });
    const rest = await db.logs.list({ where, after: second.at(-1) });
    expect([...first, ...second, ...rest].map((l) => l.message)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => `m${i}`),
      ...Array.from({ length: 5 }, (_, i) => `m${2000 + i}`),
    ]);
    const back = await db.logs.list({ where, sort: 'TIMESTAMP_DESC', limit: 3, after: rest.at(-1) });
    expect(back.map((l) => l.message)).toEqual(['m2003', 'm2002', 'm2001']);
  });

  it('stream reads every match in order in pages, and joins the transaction it began in', async () => {
    await db.logs.createMany(
      Array.from({ length: 25 }, (_, i) => ({
        name: 'p',
        level: i % 2 ? 40 : 10,
        message: `m${i}`,
        timestamp: at(i),
      })),
    );
    const seen: string[] = [];
    for await (const log of db.logs.stream({ level: { ge: 'ERROR' } }, { batchSize: 4 }))
      seen.push(log.message);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `m${2 * i + 1}`));
    const desc: number[] = [];
    for await (const log of db.logs.stream({}, { batchSize: 7, sort: 'TIMESTAMP_DESC' }))
      desc.push(log.timestamp.getUTCSeconds());
    expect(desc).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));

    // Begun inside a transaction: it sees the transaction's own writes; read after it ended: DatabaseError.
    let leaked: AsyncIterable<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.logs.createMany([{ name: 'p', level: 10, message: 'inside', timestamp: at(99) }]);
      const inside: string[] = [];
      for await (const log of db.logs.stream({ text: { query: 'inside' } })) inside.push(log.message);
      expect(inside).toEqual(['inside']);
      leaked = tx.logs.stream();
    });
    const after = await (async () => {
      for await (const _ of leaked!) return 'read';
      return 'empty';
    })().catch((e: unknown) => e);
    expect(after).toBeInstanceOf(DatabaseError);
    expect(String((after as Error).message)).toMatch(/transaction has already committed/);
  });

  it('deleteBefore deletes logs strictly before the date, in batches, and counts them', async () => {
    await db.logs.createMany(
      Array.from({ length: 12_000 }, (_, i) => ({
        name: 'p',
        level: 20,
        message: `m${i}`,
        timestamp: at(i % 60),
      })),
    );
    // Seconds 0..29 are before at(30): half of them.
    expect(await db.logs.deleteBefore(at(30))).toBe(6000);
    expect(await db.logs.count()).toBe(6000);
    expect(await db.logs.count({ where: { timestamp: { before: at(29) } } })).toBe(0);
    expect(await db.logs.deleteBefore('2026-01-01T00:00:30Z')).toBe(0);
    // Inside a caller's transaction that rolls back, nothing is deleted.
    await db
      .transaction(async (tx) => {
        expect(await tx.logs.deleteBefore(at(60))).toBe(6000);
        throw new Error('undo');
      })
      .catch(() => undefined);
    expect(await db.logs.count()).toBe(6000);
  });

  it('concurrent deleteBefore calls, with logs arriving meanwhile, delete each old log once between them', async () => {
    await db.logs.createMany(
      Array.from({ length: 21_000 }, (_, i) => ({
        name: 'p',
        level: 20,
        message: `old${i}`,
        timestamp: at(i % 30),
      })),
    );
    const arriving = Array.from({ length: 5 }, (_, k) =>
      db.logs.createMany(
        Array.from({ length: 1000 }, (_, i) => ({
          name: 'p',
          level: 20,
          message: `new${k}-${i}`,
          timestamp: at(40),
        })),
      ),
    );
    // On PostgreSQL each call runs on its own pooled connection: their batches race for the same rows.
    const counts = await Promise.all([
      db.logs.deleteBefore(at(30)),
      db.logs.deleteBefore(at(30)),
      db.logs.deleteBefore(at(30)),
      ...arriving,
    ]);
    expect(counts[0]! + counts[1]! + counts[2]!).toBe(21_000);
    expect(await db.logs.count({ where: { timestamp: { before: at(29) } } })).toBe(0);
    expect(await db.logs.count()).toBe(5000);
  });

  it('bad input on every method is a ValidationError, nothing written', async () => {
    await db.logs.createMany([{ name: 'n', level: 20, message: 'keep', timestamp: at(1) }]);
    const bad: [() => unknown, RegExp][] = [
      [() => db.logs.createMany('nope' as never), /must be an array/],
      [() => db.logs.createMany([null as never]), /\[0\]: must be a log object/],
      [() => db.logs.createMany([{ name: 'n', level: 2.5, message: 'm' }]), /\[0\]\.level/],
      [() => db.logs.createMany([{ name: 'n', level: 'TRACE' as never, message: 'm' }]), /\[0\]\.level/],
      [() => db.logs.createMany([{ name: 'n', level: 20, message: 3 as never }]), /\[0\]\.message/],
      [() => db.logs.createMany([{ name: 'x'.repeat(1025), level: 20, message: 'm' }]), /\[0\]\.name/],
      [
        () => db.logs.createMany([{ name: 'n', level: 20, message: 'm', flowRunId: 'x' }]),
        /\[0\]\.flowRunId/,
      ],
      [
        () => db.logs.createMany([{ name: 'n', level: 20, message: 'm', taskRunId: 'x' }]),
        /\[0\]\.taskRunId/,
      ],
      [
        () => db.logs.createMany([{ name: 'n', level: 20, message: 'm', timestamp: '2026-01-01T00:00:00' }]),
        /\[0\]\.timestamp/,
      ],
      [() => db.logs.createMany([{ name: 'n', level: 20, message: 'm', extra: 1 } as never]), /\[0\]\.extra/],
      [() => db.logs.list({ where: { level: { ge: -1 } } }), /level\.ge/],
      [() => db.logs.list({ where: { flowRunId: { any: ['x'] } } }), /flowRunId\.any\[0\]/],
      [() => db.logs.list({ after: { timestamp: at(1), id: 'x' } }), /after\.id/],
      [() => db.logs.list({ sort: 'NAME_ASC' as never }), /sort/],
      [() => db.logs.count({ where: { timestamp: { after: 'yesterday' } } }), /timestamp\.after/],
      [() => db.logs.stream({ text: { query: 'x'.repeat(1001) } }), /text\.query/],
      [() => db.logs.stream({}, { batchSize: 0 }), /batchSize/],
      [() => db.logs.deleteBefore('soon'), /deleteBefore date/],
    ];
    for (const [call, says] of bad) {
      const error = await (async () => call())().catch((e: unknown) => e);
      expect(error, String(says)).toBeInstanceOf(ValidationError);
      expect(String((error as Error).message)).toMatch(says);
    }
    expect((await db.logs.list()).map((l) => l.message)).toEqual(['keep']);
  });
});
