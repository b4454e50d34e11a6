import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Prints `title`, runs `sqliteCase(dir)` in a temporary folder (removed afterwards), then
 * `postgresCase(pgUrl)` when a PostgreSQL URL is set.
 */
export async function onBothDialects(title, pgUrl, sqliteCase, postgresCase) {
  console.log(title);
  const dir = mkdtempSync(join(tmpdir(), 'orion-bench-'));
  try {
    await sqliteCase(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!pgUrl) return console.log('postgresql: skipped (set ORION_BENCH_POSTGRES_URL)');
  await postgresCase(pgUrl);
}
