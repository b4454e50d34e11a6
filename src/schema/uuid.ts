import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let counter = 0;

// Random bytes drawn a page at a time: one randomBytes() call per id (two on a new millisecond)
// was a visible share of a SQLite transition's CPU in a profile (issue 13). Node's own
// crypto.randomUUID() pools its entropy the same way.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** The offset in `pool` of `n` (at most POOL_SIZE) fresh random bytes, read there and not again. */
function random(n: number): number {
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += n;
  return at;
}

/** Two lower-case hex digits per byte value. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids
 * generated within one millisecond in this process ordered, then random bits. Time-ordered ids
 * keep B-tree inserts local and make ID_DESC mean "newest first". The text is written digit pair
 * by digit pair from the pool: a Buffer per id, its hex string and five slices of it were a few
 * µs of every insert (issue 13).
 */
export function uuidv7(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    const at = random(2);
    counter = ((pool[at]! << 8) | pool[at + 1]!) & 0x3ff; // leave headroom for the counter
  } else {
    counter += 1;
    if (counter > 0xfff) {
      // Counter exhausted within one millisecond: borrow the next millisecond.
      lastMs += 1;
      counter = 0;
    }
  }
  const ms = lastMs;
  // Bytes 0-5: the milliseconds; 6-7: version 7 and the counter; 8-15: random, variant 0b10 first.
  const high = Math.floor(ms / 2 ** 32);
  const r = random(8);
  return (
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[(ms >>> 24) & 0xff]! +
    HEX[(ms >>> 16) & 0xff]! +
    '-' +
    HEX[(ms >>> 8) & 0xff]! +
    HEX[ms & 0xff]! +
    '-' +
    HEX[0x70 | ((counter >>> 8) & 0x0f)]! +
    HEX[counter & 0xff]! +
    '-' +
    HEX[0x80 | (pool[r]! & 0x3f)]! +
    HEX[pool[r + 1]!]! +
    '-' +
    HEX[pool[r + 2]!]! +
    HEX[pool[r + 3]!]! +
    HEX[pool[r + 4]!]! +
    HEX[pool[r + 5]!]! +
    HEX[pool[r + 6]!]! +
    HEX[pool[r + 7]!]!
  );
}
