// Times base → head with @orion/db's migrator against the raw driver running the
// same statements in one transaction each, on SQLite (file) and on PostgreSQL when
// ORION_BENCH_POSTGRES_URL (or ORION_TEST_POSTGRES_URL) is set. Prints the ratio and the scale.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { migrate } from '@orion/db';
import { loadRevisions } from '../dist/migrations/revisions.js';
import { record } from './results.mjs';

const ROUNDS = Number(process.env.ORION_BENCH_ROUNDS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function benchSqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'orion-bench-'));
  const statements = loadRevisions('sqlite');
  const library = [];
  const raw = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const file = join(dir, `lib-${i}.db`);
      library.push(
        await time(async () => {
          // migrate(): open, migrate, close; the one non-migrating open that creates the file.
          await migrate({ url: file, to: 'head' });
        }),
      );
      const rawFile = join(dir, `raw-${i}.db`);
      raw.push(
        await time(async () => {
          const conn = new Sqlite(rawFile);
          conn.pragma('journal_mode = WAL');
          for (const revision of statements) {
            conn.exec('BEGIN IMMEDIATE');
            for (const s of revision.up) conn.exec(s);
            conn.exec('COMMIT');
          }
          conn.close();
        }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { library: median(library), raw: median(raw) };
}

async function benchPostgres(url) {
  const revisions = loadRevisions('postgresql');
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const library = [];
  const raw = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const [kind, list] of [
        ['lib', library],
        ['raw', raw],
      ]) {
        const name = `orion_bench_${kind}_${process.pid}_${i}`;
        await admin.unsafe(`create database ${name}`);
        const target = new URL(url);
        target.pathname = `/${name}`;
        try {
          list.push(
            await time(async () => {
              if (kind === 'lib') {
                await migrate({ url: target.toString(), to: 'head' });
              } else {
                const sql = postgres(target.toString(), { max: 1, onnotice: () => {} });
                for (const revision of revisions) {
                  await sql.begin(async (tx) => {
                    for (const s of revision.up) await tx.unsafe(s);
                  });
                }
                await sql.end();
              }
            }),
          );
        } finally {
          await admin.unsafe(`drop database ${name} with (force)`);
        }
      }
    }
  } finally {
    await admin.end();
  }
  return { library: median(library), raw: median(raw) };
}

function report(name, { library, raw }) {
  const dialect = name.startsWith('sqlite') ? 'sqlite' : 'postgresql';
  record({ scenario: 'migrate', dialect, scale: 0, library, raw, unit: 'ms' });
  console.log(
    `${name.padEnd(22)} library ${library.toFixed(1).padStart(7)} ms   raw driver ${raw.toFixed(1).padStart(7)} ms   library at ${(raw / library).toFixed(2)}x the raw speed`,
  );
}

/** Runs the migration benchmark on SQLite and, given a URL, on PostgreSQL. */
export async function benchMigrate(pgUrl) {
  const revisionCount = loadRevisions('sqlite').length;
  console.log(
    `\nmigrate base → head: ${revisionCount} revisions, 19 tables; median of ${ROUNDS} rounds; open+migrate+close vs raw DDL`,
  );
  report('sqlite (file, WAL)', await benchSqlite());
  if (pgUrl) report('postgresql', await benchPostgres(pgUrl));
  else console.log('postgresql: skipped (set ORION_BENCH_POSTGRES_URL)');
}
