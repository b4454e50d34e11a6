/**
 * db.logs on both dialects: the edges a user's trial found (issue 9) — stream pages bounded by
 * bytes, level names in the cases the type names, and times past the millisecond.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { dialectOf } from '../support/internals.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe.each(DIALECTS)('logs at their edges (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it('stream pages hold at most 8 MiB of messages: messages near 1 MB come 9 to a page, all of them, in order', async () => {
    const mb = 'x'.repeat(999_000 - 3); // 1 MB is 1,000,000 bytes; nine of these fit in 8 MiB
    for (let i = 0; i < 20; i += 5) {
      await db.logs.createMany(
        Array.from({ length: 5 }, (_, j) => ({
          name: 'p',
          level: 20,
          message: `${i + j}`.padStart(3) + mb,
          timestamp: at(i + j),
        })),
      );
    }
    const dialectHandle = dialectOf(db);
    const pages: number[] = [];
    const queryArrays = dialectHandle.queryArrays.bind(dialectHandle);
    dialectHandle.queryArrays = async (...args) => {
      const rows = await queryArrays(...args);
      pages.push(rows.length);
      return rows;
    };
    const seen: number[] = [];
    for await (const log of db.logs.stream({}, { batchSize: 1000 }))
      seen.push(Number(log.message.slice(0, 3)));
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Full pages stopped at their byte budget; the last is short and too small to have been cut.
    expect(pages).toEqual([9, 9, 2]);
  });

  it('level names in upper, lower or capitalised case, in writes and filters; other mixes refused', async () => {
    await db.logs.createMany([
      { name: 'p', level: 'Warning', message: 'w', timestamp: at(1) },
      { name: 'p', level: 'error', message: 'e', timestamp: at(2) },
      { name: 'p', level: 'INFO', message: 'i', timestamp: at(3) },
    ]);
    expect((await db.logs.list({ where: { level: { ge: 'Warning' } } })).map((l) => l.level)).toEqual([
      30, 40,
    ]);
    const mixed = await db.logs
      // @ts-expect-error the LogLevel type refuses what the check refuses
      .createMany([{ name: 'p', level: 'wArNiNg', message: 'x' }])
      .catch((e: unknown) => e);
    expect(mixed).toBeInstanceOf(ValidationError);
    expect(String((mixed as Error).message)).toContain('[0].level');
    // @ts-expect-error as in a filter
    const filter = await db.logs.count({ where: { level: { ge: 'Critical!' } } }).catch((e: unknown) => e);
    expect(filter).toBeInstanceOf(ValidationError);
    expect(await db.logs.count()).toBe(3);
  });

  it('times past the millisecond: bounds, keyset cursors and deleteBefore never take a log on the wrong side', async () => {
    await db.logs.createMany([
      { name: 'p', level: 20, message: 'at .000', timestamp: '2026-01-01T00:00:00.000Z' },
      { name: 'p', level: 20, message: 'at .001', timestamp: '2026-01-01T00:00:00.001Z' },
    ]);
    const between = (after: string, before: string) =>
      db.logs.list({ where: { timestamp: { after, before } } }).then((l) => l.map((x) => x.message));
    expect(await between('2026-01-01T00:00:00.0005Z', '2026-01-01T00:00:01Z')).toEqual(['at .001']);
    expect(await between('2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.0009Z')).toEqual(['at .000']);
    expect(await between('2026-01-01T00:00:00.0001Z', '2026-01-01T00:00:00.0009Z')).toEqual([]);
    // A cursor inside a millisecond: after the log of the one before, before the log of the next.
    const cursor = { timestamp: '2026-01-01T00:00:00.0005Z', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
    const page = (sort: 'TIMESTAMP_ASC' | 'TIMESTAMP_DESC') =>
      db.logs.list({ sort, after: cursor }).then((l) => l.map((x) => x.message));
    expect(await page('TIMESTAMP_ASC')).toEqual(['at .001']);
    expect(await page('TIMESTAMP_DESC')).toEqual(['at .000']);
    // deleteBefore is strictly before: .000 is before .0005.
    expect(await db.logs.deleteBefore('2026-01-01T00:00:00.0005Z')).toBe(1);
    expect((await db.logs.list()).map((x) => x.message)).toEqual(['at .001']);
  });

  it('times across the range come back to the millisecond through list and stream (before 1970 too)', async () => {
    const times = [
      '1969-12-31T23:59:59.999Z',
      '1900-06-15T12:34:56.789Z',
      '1970-01-01T00:00:00.000Z',
      '2026-11-29T19:00:00.123Z',
      '9999-12-31T23:59:59.999Z',
    ];
    await db.logs.createMany(times.map((t) => ({ name: 'p', level: 20, message: t, timestamp: t })));
    const listed = await db.logs.list();
    const streamed = [];
    for await (const log of db.logs.stream({}, { batchSize: 2 })) streamed.push(log);
    for (const logs of [listed, streamed]) {
      expect(logs.map((l) => l.timestamp.toISOString())).toEqual([...times].sort());
      expect(logs.map((l) => l.message)).toEqual([...times].sort());
    }
  });
});
