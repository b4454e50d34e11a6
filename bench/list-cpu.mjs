// µs of process CPU and p50 ms per 200-row list for the library and for the raw driver running the
// same query as a prepared statement (issue 13), on SQLite (WAL file) and PostgreSQL, from 20k seeded
// flow runs (bench/runs-seed.mjs; per-row cost shows at this size, the plans are the 1M ones).
//   node bench/list-cpu.mjs seed                 seeds .scratch/list-cpu.db and the PostgreSQL
//                                                database lists_cpu (ORION_BENCH_POSTGRES_URL)
//   node bench/list-cpu.mjs run [dist/index.js]  measures that build (default: this checkout's)
//   node bench/list-cpu.mjs drop                 drops the PostgreSQL database
// ORION_BENCH_CALLS (default 2000) calls per side and scenario, after 200 unmeasured ones. Not part of
// `npm run bench`: for A/B runs of builds against the same seeded data.
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { scenarios as listScenarios } from './run-lists.mjs';
import { seedPostgres, seedSqlite } from './runs-seed.mjs';

const SCALE = 20_000;
const PAGE = 200;
const N = Number(process.env.ORION_BENCH_CALLS ?? 2000);
const FILE = resolve('.scratch/list-cpu.db');
const PG = process.env.ORION_BENCH_POSTGRES_URL;
const PG_DB = 'lists_cpu';
const pgUrl = () => {
  const u = new URL(PG);
  u.pathname = `/${PG_DB}`;
  return u.href;
};
const [mode = 'run', dist] = process.argv.slice(2);
const entry = dist ? pathToFileURL(resolve(dist)).href : '@orion/db';
const { createDatabase } = await import(entry);

async function seed() {
  rmSync(FILE, { force: true });
  mkdirSync('.scratch', { recursive: true });
  const lite = await createDatabase({ url: FILE });
  await lite.migrate();
  await seedSqlite(lite, FILE, SCALE);
  await lite.close();
  if (!PG) return;
  const admin = postgres(PG, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${PG_DB}`);
  await admin.unsafe(`create database ${PG_DB}`);
  await admin.end();
  const db = await createDatabase({ url: pgUrl() });
  await db.migrate();
  const sql = postgres(pgUrl(), { max: 1, onnotice: () => {} });
  await seedPostgres(db, sql, SCALE);
  await sql.end();
  await db.close();
}

/**
 * The scenarios of `npm run bench`'s lists (bench/run-lists.mjs), and a task-run list: library(db, i)
 * and raw(i) on each dialect, the same page.
 */
function scenarios(deployments) {
  return [
    ...listScenarios({ deployments: deployments.map((id) => ({ id })) }),
    {
      scenario: 'task-runs-by-flow-run',
      // Task runs of 200 flow runs, ID_DESC: the task-run read path.
      library: (db) => db.taskRuns.list({ where: { state: { type: { any: ['COMPLETED'] } } }, limit: PAGE }),
      sqlite: (c) => {
        const s = c.prepare(`select * from task_run where state_type = ? order by id desc limit ${PAGE}`);
        return () => s.all('COMPLETED');
      },
      postgresql: (sql) => () =>
        sql`select * from task_run where state_type = ${'COMPLETED'} order by id desc limit ${PAGE}`,
    },
  ];
}

/** CPU µs per call and p50 ms of `n` calls of `once(i)`, after 200 unmeasured ones. */
async function measure(once) {
  for (let i = 0; i < 200; i++) await once(-1 - i);
  const times = new Float64Array(N);
  const cpu = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await once(i);
    times[i] = performance.now() - t;
  }
  const used = process.cpuUsage(cpu);
  times.sort();
  return { cpu: (used.user + used.system) / N, p50: times[N >> 1] };
}

async function run(dialect, db, raw, deployments) {
  const only = process.env.ORION_BENCH_SCENARIOS?.split(',');
  for (const s of scenarios(deployments)) {
    if (only && !only.includes(s.scenario)) continue;
    const rawCall = s[dialect](raw);
    const [a, b] = [await s.library(db, 0), await rawCall(0)];
    if (a.length !== b.length || String(a[0]?.id) !== String(b[0]?.id) || a.length === 0) {
      throw new Error(`${s.scenario}: library ${a.length} rows, raw ${b.length}`);
    }
    const lib = await measure((i) => s.library(db, i));
    const r = await measure(rawCall);
    console.log(
      `${dialect.padEnd(10)} ${s.scenario.padEnd(22)} library ${lib.cpu.toFixed(0).padStart(5)} µs CPU, p50 ${lib.p50.toFixed(2)} ms   raw ${r.cpu.toFixed(0).padStart(5)} µs CPU, p50 ${r.p50.toFixed(2)} ms   CPU ratio ${(lib.cpu / r.cpu).toFixed(2)}`,
    );
  }
}

async function main() {
  if (mode === 'seed') return seed();
  if (mode === 'drop') {
    const admin = postgres(PG, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${PG_DB}`);
    return admin.end();
  }
  const dialects = (process.env.ORION_BENCH_DIALECTS ?? 'sqlite,postgresql').split(',');
  if (dialects.includes('sqlite')) {
    const db = await createDatabase({ url: FILE });
    const conn = new Sqlite(FILE);
    conn.pragma('journal_mode = WAL');
    const deployments = conn.prepare('select id from deployment order by name').pluck().all();
    await run('sqlite', db, conn, deployments);
    conn.close();
    await db.close();
  }
  if (PG && dialects.includes('postgresql')) {
    const db = await createDatabase({ url: pgUrl() });
    const sql = postgres(pgUrl(), { max: 1, onnotice: () => {} });
    const deployments = (await sql`select id from deployment order by name`).map((r) => r.id);
    await run('postgresql', db, sql, deployments);
    await sql.end();
    await db.close();
  }
}
await main();
