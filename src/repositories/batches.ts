/**
 * Sizing multi-row writes (semantics.md §2 "Lists"): a statement may bind at most the driver's real
 * limit of parameters (postgres.js 65,533; SQLite 32,766: the dialect's `maxParameters`) and should
 * stay under 16 MB, so rows are written in batches bounded by both.
 */
import { getTableColumns } from 'drizzle-orm';
import type { Table } from 'drizzle-orm';
import type { RepositoryContext } from './context.js';

/** The most a multi-row statement may weigh, its values included (semantics.md §2). */
export const MAX_STATEMENT_BYTES = 16 * 1024 * 1024;

/** What one bound value adds to a statement besides its own bytes: its placeholder and separators. */
const PER_VALUE_OVERHEAD = 16;

export interface BatchLimits {
  /** The driver's bind limit per statement (`dialect.capabilities.maxParameters`). */
  maxParameters: number;
  /** Bound parameters one row takes at most (for an INSERT: the table's column count). */
  parametersPerRow: number;
  /** Byte budget per statement; MAX_STATEMENT_BYTES unless given. */
  maxBytes?: number;
}

/**
 * An upper estimate of the bytes a value adds to a statement: UTF-8 length for text, the JSON text
 * for documents, a fixed width for scalars, plus the placeholder.
 */
export function estimateBytes(value: unknown): number {
  if (value === null || value === undefined) return PER_VALUE_OVERHEAD;
  switch (typeof value) {
    case 'string':
      return Buffer.byteLength(value, 'utf8') + PER_VALUE_OVERHEAD;
    case 'number':
    case 'bigint':
    case 'boolean':
      return 24 + PER_VALUE_OVERHEAD;
    default:
      if (value instanceof Date) return 32 + PER_VALUE_OVERHEAD;
      return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') + PER_VALUE_OVERHEAD;
  }
}

/** The bytes one row adds: every value it carries. */
export function estimateRowBytes(row: object): number {
  let bytes = 0;
  for (const value of Object.values(row)) bytes += estimateBytes(value);
  return bytes;
}

/**
 * Splits `rows` into consecutive batches, in order, each within the bind limit (rows ×
 * parametersPerRow ≤ maxParameters) and the byte budget (`size` weighs a row: by default
 * estimateRowBytes; a caller that already knows its rows' sizes passes its own). A row heavier than the budget on its own
 * goes alone (it cannot be split; validation bounds how big one row can be).
 */
export function batches<T extends object>(
  rows: readonly T[],
  limits: BatchLimits,
  size: (row: T) => number = estimateRowBytes,
): T[][] {
  const maxBytes = limits.maxBytes ?? MAX_STATEMENT_BYTES;
  const perRow = Math.max(1, limits.parametersPerRow);
  const maxRows = Math.max(1, Math.floor(limits.maxParameters / perRow));
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const weight = size(row);
    if (current.length > 0 && (current.length >= maxRows || bytes + weight > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += weight;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Parameters one inserted row of `table` binds at most: one per column (defaults included). */
export function insertParametersPerRow(table: Table): number {
  return Object.keys(getTableColumns(table)).length;
}

/** `rows` for a multi-row INSERT into `table`, in batches sized for `ctx`'s dialect. */
export function insertBatches<T extends object>(
  ctx: RepositoryContext,
  table: Table,
  rows: readonly T[],
): T[][] {
  return batches(rows, {
    maxParameters: ctx.dialect.capabilities.maxParameters,
    parametersPerRow: insertParametersPerRow(table),
  });
}
