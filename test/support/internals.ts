import type { Dialect } from '../../src/dialect/dialect.js';
import type { Database } from '../../src/index.js';

/**
 * The dialect behind a handle (test-only access to a protected field), for tests that must send a
 * statement the repositories would never send, e.g. the write a lost race produces.
 */
export const dialectOf = (db: Database): Dialect => (db as unknown as { handle: Dialect }).handle;
