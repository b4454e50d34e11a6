import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

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

/**
 * Creates the database `orion_bench_<label>_<pid>` on the server of `pgUrl`, runs `body(url of it)`
 * and drops the database (with its connections) afterwards, whatever happened.
 */
export async function withPostgresDatabase(pgUrl, label, body) {
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  const name = `orion_bench_${label}_${process.pid}`;
  await admin.unsafe(`create database ${name}`);
  const target = new URL(pgUrl);
  target.pathname = `/${name}`;
  try {
    return await body(target.toString());
  } finally {
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}
