// µs of process CPU and of wall time per `get(id)` on PostgreSQL for the library and for the raw
// driver reading the same row with a prepared `select * … where id = $1` (issue 13): flow runs,
// flows and work pools, in a scratch database this script creates and drops.
//   ORION_BENCH_POSTGRES_URL=postgresql://… node bench/get-cpu.mjs [dist/index.js]
// ORION_BENCH_CALLS (default 3000) calls per side and table, after 300 unmeasured ones. Not part of
// `npm run bench`: for A/B runs of builds (alternate them; the machine is shared).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';

const N = Number(process.env.ORION_BENCH_CALLS ?? 3000);
const PG = process.env.ORION_BENCH_POSTGRES_URL;
if (!PG) throw new Error('set ORION_BENCH_POSTGRES_URL');
const [dist] = process.argv.slice(2);
const { createDatabase } = await import(dist ? pathToFileURL(resolve(dist)).href : '@orion/db');

const name = `get_cpu_${process.pid}`;
const url = new URL(PG);
url.pathname = `/${name}`;
const admin = postgres(PG, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);

/** CPU and wall µs per call of `call(i)`, after 300 unmeasured calls. */
async function measure(call) {
  for (let i = 0; i < 300; i++) await call(i);
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (let i = 0; i < N; i++) await call(i);
  const used = process.cpuUsage(cpu);
  return {
    cpuUs: Math.round((used.user + used.system) / N),
    wallUs: Math.round(((performance.now() - wall) * 1000) / N),
  };
}

try {
  const db = await createDatabase({ url: url.href, migrateOnOpen: true });
  const flow = await db.flows.create({ name: 'f', tags: ['a'], labels: { k: 'v' } });
  const runs = [];
  for (let i = 0; i < 50; i++) {
    const run = await db.flowRuns.create({
      flowId: flow.id,
      name: `r${i}`,
      tags: ['a', 'b'],
      parameters: { x: i },
    });
    runs.push(run.id);
  }
  const pool = await db.workPools.create({ name: 'p' });
  const raw = postgres(url.href, { max: 10, onnotice: () => {} });
  const tables = [
    ['flow_run', (i) => db.flowRuns.get(runs[i % runs.length]), (i) => runs[i % runs.length]],
    ['flow', () => db.flows.get(flow.id), () => flow.id],
    ['work_pool', () => db.workPools.get(pool.id), () => pool.id],
  ];
  const results = {};
  for (const [table, library, id] of tables) {
    results[table] = {
      library: await measure(library),
      raw: await measure((i) =>
        raw.unsafe(`select * from "${table}" where "id" = $1`, [id(i)], { prepare: true }),
      ),
    };
  }
  console.log(JSON.stringify({ dist: dist ?? '@orion/db', calls: N, results }));
  await raw.end();
  await db.close();
} finally {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
