/**
 * The sizing of multi-row writes (semantics.md §2 "Lists"): batches keep every row, in order, and
 * stay within the bind limit and the byte budget; checked with generated rows and limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_STATEMENT_BYTES,
  batches,
  estimateBytes,
  estimateRowBytes,
} from '../../src/repositories/batches.js';

const value = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

describe('batches of rows for multi-row writes', () => {
  it('keeps every row in order, each batch within the bind limit and the byte budget (300 cases)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), value), { maxLength: 300 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 20_000 }),
        (rows, maxParameters, parametersPerRow, maxBytes) => {
          const out = batches(rows, { maxParameters, parametersPerRow, maxBytes });
          expect(out.flat()).toEqual(rows);
          const maxRows = Math.max(1, Math.floor(maxParameters / parametersPerRow));
          for (const batch of out) {
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(maxRows);
            // Only a row heavier than the budget on its own may exceed it, and then it goes alone.
            const bytes = batch.reduce((sum, row) => sum + estimateRowBytes(row), 0);
            if (batch.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
          }
          // Batches are as full as the limits allow: a batch and the next row would break a limit.
          for (let i = 0; i + 1 < out.length; i++) {
            const batch = out[i]!;
            const next = out[i + 1]![0]!;
            const bytes = batch.reduce((sum, row) => sum + estimateRowBytes(row), 0);
            expect(batch.length >= maxRows || bytes + estimateRowBytes(next) > maxBytes).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sizes a claim of 10,000 state rows for both drivers', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ id: `${i}`, message: 'x'.repeat(100) }));
    expect(batches(rows, { maxParameters: 65_533, parametersPerRow: 10 }).map((b) => b.length)).toEqual([
      6_553, 3_447,
    ]);
    expect(batches(rows, { maxParameters: 32_766, parametersPerRow: 10 })[0]).toHaveLength(3_276);
  });

  it('splits by bytes: 16 MB by default, counting UTF-8 bytes', () => {
    const big = { text: 'é'.repeat(1_000_000) }; // 2,000,000 bytes
    expect(estimateBytes(big.text)).toBeGreaterThanOrEqual(2_000_000);
    const out = batches(
      Array.from({ length: 20 }, () => big),
      { maxParameters: 65_533, parametersPerRow: 1 },
    );
    expect(out.map((b) => b.length)).toEqual([8, 8, 4]);
    expect(8 * estimateRowBytes(big)).toBeLessThanOrEqual(MAX_STATEMENT_BYTES);
  });
});
