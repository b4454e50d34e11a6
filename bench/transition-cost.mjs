// The write cost of a state transition, for A/B runs of builds whose schemas differ (issue 13,
// revision 11 sort_indexes: each index on flow_run / task_run is written again by every
// transition). Per transition of `flowRuns.setState` and `taskRuns.setState` over 100 runs each:
// SQLite µs of process CPU (the index writes run in this process); PostgreSQL µs of wall time, and
// the WAL records and bytes of the run row's UPDATE that a transition makes, from EXPLAIN (ANALYZE,
// WAL) in a rolled-back transaction: one heap record plus one per index entry written (the server's
// index work, which the Node process's CPU does not see; server-wide WAL counters would include
// the other databases' writes).
//   node bench/transition-cost.mjs [dist/index.js]   that build, migrated to its own head
// ORION_BENCH_TRANSITIONS (default 2000) per kind, after 400 unmeasured ones. PostgreSQL when
// ORION_BENCH_POSTGRES_URL is set (a database of its own, dropped after). Not part of `npm run bench`.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';

const N = Number(process.env.ORION_BENCH_TRANSITIONS ?? 2000);
const RUNS = 100;
const CYCLE = ['PENDING', 'RUNNING', 'COMPLETED', 'SCHEDULED'];
const PG = process.env.ORION_BENCH_POSTGRES_URL;
const dist = process.argv[2];
const { createDatabase } = await import(dist ? pathToFileURL(resolve(dist)).href : '@orion/db');

/** 100 flow runs and 100 task runs (of the first flow run), each in its first state. */
async function seed(db) {
  const flow = await db.flows.create({ name: `bench-${randomUUID()}` });
  const flowRuns = [];
  for (let i = 0; i < RUNS; i++) flowRuns.push((await db.flowRuns.create({ flowId: flow.id })).id);
  const taskRuns = [];
  for (let i = 0; i < RUNS; i++) {
    const task = await db.taskRuns.create({ flowRunId: flowRuns[0], taskKey: 'k', dynamicKey: String(i) });
    taskRuns.push(task.id);
  }
  return { flowRuns, taskRuns };
}

/** `count` transitions from transition `from` on, cycling each run through CYCLE. */
async function transitions(repo, ids, from, count) {
  for (let i = from; i < from + count; i++) {
    await repo.setState(ids[i % RUNS], { type: CYCLE[Math.floor(i / RUNS) % CYCLE.length] });
  }
}

async function measure(db) {
  const { flowRuns, taskRuns } = await seed(db);
  const out = {};
  for (const [kind, repo, ids] of [
    ['flow', db.flowRuns, flowRuns],
    ['task', db.taskRuns, taskRuns],
  ]) {
    await transitions(repo, ids, 0, 400);
    const cpu = process.cpuUsage();
    const t = performance.now();
    await transitions(repo, ids, 400, N);
    const wall = ((performance.now() - t) * 1000) / N;
    const used = process.cpuUsage(cpu);
    out[kind] = { cpuUs: (used.user + used.system) / N, wallUs: wall };
  }
  return out;
}

/** The EXPLAIN (ANALYZE, WAL) plan of a state change of one run of `table`, rolled back. */
function updatePlan(db, table) {
  return db
    .transaction(async (tx) => {
      const [plan] = await tx.execute(`explain (analyze, wal, format json)
        update ${table} set state_type = 'RUNNING', state_name = 'Running', state_timestamp = clock_timestamp(),
          start_time = clock_timestamp() where id = (select id from ${table} limit 1)`);
      throw { plan: plan['QUERY PLAN'] };
    })
    .catch((e) => {
      if (!e.plan) throw e;
      return (typeof e.plan === 'string' ? JSON.parse(e.plan) : e.plan)[0].Plan;
    });
}

const print = (dialect, r) => {
  for (const [kind, m] of Object.entries(r)) {
    const wal = m.wal
      ? `; its run UPDATE: ${m.wal['WAL Records']} WAL records, ${m.wal['WAL Bytes']} bytes`
      : '';
    console.log(
      `${dialect.padEnd(10)} ${kind}Runs.setState: ${m.cpuUs.toFixed(0)} µs CPU, ${m.wallUs.toFixed(0)} µs wall${wal}`,
    );
  }
};

const dir = mkdtempSync(join(tmpdir(), 'orion-transition-cost-'));
try {
  const db = await createDatabase({ url: join(dir, 'bench.db') });
  await db.migrate();
  print('sqlite', await measure(db));
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (PG) {
  const name = `transition_cost_${process.pid}`;
  const admin = postgres(PG, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  try {
    const db = await createDatabase({ url: url.href });
    await db.migrate();
    const result = await measure(db);
    for (const [kind, table] of [
      ['flow', 'flow_run'],
      ['task', 'task_run'],
    ]) {
      // A state change of one run: state columns are indexed, so the update is not HOT and every
      // index of the table gets an entry.
      // The fewest of 5 (a full-page image or a page split adds records to some).
      const plans = [];
      for (let i = 0; i < 5; i++) plans.push(await updatePlan(db, table));
      result[kind].wal = plans.sort(
        (x, y) => x['WAL Records'] - y['WAL Records'] || x['WAL Bytes'] - y['WAL Bytes'],
      )[0];
    }
    print('postgresql', result);
    await db.close();
  } finally {
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}
