/**
 * What a table's rows are called in errors: `.entity` on `NotFoundError` and `ConflictError` is always
 * these words (`'work pool'`, never `work_pool`), whichever dialect or code path raised the error
 * (semantics.md §2 "Errors"). This is the one table → words map; everything else derives from it.
 */

/** Tables whose name does not read as words once its underscores become spaces. */
const OVERRIDES: Readonly<Record<string, string>> = {
  concurrency_limit_v2: 'concurrency limit',
  orion_migrations: 'migration',
};

/**
 * The words for a table's rows: `work_pool` → `'work pool'`, `concurrency_limit_v2` →
 * `'concurrency limit'`. Words given in place of a table name come back unchanged, so the error
 * constructors can apply it to whatever they are handed.
 */
export function entityOf(table: string): string {
  return OVERRIDES[table] ?? table.replaceAll('_', ' ');
}
