/**
 * The library's UUIDv7 ids (src/schema/uuid.ts, RFC 9562): version and variant bits, the Unix
 * milliseconds in the first 48 bits, and ids in creation order within this process (ID_DESC means
 * newest first). A pure function, so no dialect is involved.
 */
import { describe, expect, it, vi } from 'vitest';

/** A fresh copy of the module: its last time and counter are per process, and tests run in any order. */
async function freshUuidv7() {
  vi.resetModules();
  return (await import('../../src/schema/uuid.js')).uuidv7;
}

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds in an id's first 48 bits. */
const millisecondsOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuidv7', () => {
  it('is a lower-case version 7, variant 10 UUID carrying the time it was made at', async () => {
    // Ascending, so each is a new millisecond; every byte of the 48 bits is exercised.
    for (const ms of [
      1,
      0xff,
      0x1234_5678,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 40 + 12345,
      Date.UTC(2026, 10, 30),
      2 ** 48 - 1,
    ]) {
      const uuidv7 = await freshUuidv7();
      const id = uuidv7(ms);
      expect(id).toMatch(V7);
      expect(millisecondsOf(id)).toBe(ms);
    }
  });

  it('keeps the last time when the clock goes back, so ids stay ordered', async () => {
    const uuidv7 = await freshUuidv7();
    const later = uuidv7(Date.UTC(2030, 0, 1));
    const earlier = uuidv7(Date.UTC(2020, 0, 1));
    expect(millisecondsOf(earlier)).toBe(Date.UTC(2030, 0, 1));
    expect(earlier > later).toBe(true);
  });

  it('orders ids made one after another, within one millisecond and across them', async () => {
    const uuidv7 = await freshUuidv7();
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    for (const id of ids) expect(id).toMatch(V7);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('borrows the next millisecond when one millisecond runs out of counter values', async () => {
    const uuidv7 = await freshUuidv7();
    const ms = Date.now() + 60_000;
    const ids = Array.from({ length: 5000 }, () => uuidv7(ms));
    expect([...ids].sort()).toEqual(ids);
    expect(millisecondsOf(ids[0]!)).toBe(ms);
    expect(millisecondsOf(ids.at(-1)!)).toBeGreaterThan(ms);
  });

  it('draws different random bits for ids of the same millisecond', async () => {
    const uuidv7 = await freshUuidv7();
    const ms = Date.now() + 120_000;
    const tails = new Set(Array.from({ length: 1000 }, () => uuidv7(ms).slice(19)));
    expect(tails.size).toBe(1000);
  });
});
