// p50 ms of one unfiltered 200-row page per list sort of flow runs and task runs on PostgreSQL (issue
// 13, revision 11 sort_indexes), from ORION_BENCH_SCALE (default 300,000) runs of each, seeded by
// bench/runs-seed.mjs. For before/after runs of builds over one seeded database:
//   node bench/sort-pages.mjs seed [dist/index.js]      creates sort_pages, migrates it with that build
//   node bench/sort-pages.mjs run [dist/index.js]       measures that build
//   node bench/sort-pages.mjs migrate [dist/index.js] [target]   migrates to that build's head or
//                                                       the target (e.g. -1), ANALYZE after
//   node bench/sort-pages.mjs drop
// ORION_BENCH_CALLS (default 15) pages per sort after 2 unmeasured ones. Not part of `npm run bench`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { seedPostgres } from './runs-seed.mjs';

const SCALE = Number(process.env.ORION_BENCH_SCALE ?? 300_000);
const N = Number(process.env.ORION_BENCH_CALLS ?? 15);
const PG = process.env.ORION_BENCH_POSTGRES_URL;
const PG_DB = 'sort_pages';
// RUN_SORTS of src/repositories/run-options.ts (the library does not export it).
const SORTS = `ID_DESC START_TIME_ASC START_TIME_DESC EXPECTED_START_TIME_ASC EXPECTED_START_TIME_DESC
  NAME_ASC NAME_DESC NEXT_SCHEDULED_START_TIME_ASC END_TIME_DESC`.split(/\s+/);
if (!PG) throw new Error('set ORION_BENCH_POSTGRES_URL');
const url = new URL(PG);
url.pathname = `/${PG_DB}`;
const [mode = 'run', dist, target] = process.argv.slice(2);
const { createDatabase } = await import(dist ? pathToFileURL(resolve(dist)).href : '@orion/db');

async function main() {
  const admin = postgres(PG, { max: 1, onnotice: () => {} });
  if (mode === 'seed' || mode === 'drop') await admin.unsafe(`drop database if exists ${PG_DB}`);
  if (mode === 'seed') await admin.unsafe(`create database ${PG_DB}`);
  await admin.end();
  if (mode === 'drop') return;
  const db = await createDatabase({ url: url.href });
  const sql = postgres(url.href, { max: 1, onnotice: () => {} });
  try {
    if (mode === 'seed' || mode === 'migrate') {
      await db.migrate(target ? { to: target } : undefined);
      if (mode === 'seed') await seedPostgres(db, sql, SCALE);
      await sql`analyze flow_run`;
      await sql`analyze task_run`;
      return;
    }
    for (const repo of ['flowRuns', 'taskRuns']) {
      for (const sort of SORTS) {
        const page = () => db[repo].list({ sort, limit: 200 });
        for (let i = 0; i < 2; i++) await page();
        const times = [];
        for (let i = 0; i < N; i++) {
          const t = performance.now();
          await page();
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        console.log(`${repo.padEnd(9)} ${sort.padEnd(30)} p50 ${times[N >> 1].toFixed(1).padStart(7)} ms`);
      }
    }
  } finally {
    await sql.end();
    await db.close();
  }
}
await main();
