// µs of Node CPU (process.cpuUsage, user + system) per acquire attempt, and attempts/s, for the
// library's db.globalConcurrencyLimits.acquire + release against the raw driver's conditional
// UPDATEs (the statements of bench/limits.mjs), one limit of 4 (issue 13). For A/B runs of a build:
//   node bench/limits-cpu.mjs [path/to/dist/index.js] [--dialect sqlite|postgresql] [--workers 1,16]
//        [--side library,raw] [--mode attempts|leases|tags]
// --mode leases: one caller, acquire with a lease (leaseSeconds and holder) then releaseLease, each
// timed on its own: µs CPU per call, and round trips per call (bench/round-trips.mjs) in a separate
// untimed pass of ORION_BENCH_TRIPS calls (default 200), as the counters cost CPU themselves.
// --mode tags: the same for db.concurrencyLimits.acquire then release of one task run on the tag
// limits of --tags (default 1: tag `bench`; 3: `bench`, `bench-1`, `bench-2`), every acquire granted.
// PostgreSQL: ORION_BENCH_POSTGRES_URL (a database of its own is created and dropped); each
// worker has its own handle (poolSize 1) and raw client. SQLite: every worker on one handle.
// ORION_BENCH_CALLS attempts timed (default 5000) after as many untimed.
// Not part of `npm run bench`: it prints CPU time, which other processes disturb little.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { libraryAttempt, run } from './limit-attempts.mjs';
import { countingProxy, countingSqliteStatements } from './round-trips.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const entryArg = args[0] && !args[0].startsWith('--') ? args[0] : undefined;
const entry = entryArg ? pathToFileURL(resolve(entryArg)).href : '@orion/db';
const { createDatabase } = await import(entry);
const N = Number(process.env.ORION_BENCH_CALLS ?? 5000);
const WARM_UP = N;
const LIMIT = 4;
const dialects = option('dialect', 'sqlite,postgresql').split(',');
const workerCounts = option('workers', '1,16').split(',').map(Number);
const sides = option('side', 'library,raw').split(',');
const pgUrl = process.env.ORION_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const mode = option('mode', 'attempts');
const TRIPS = Number(process.env.ORION_BENCH_TRIPS ?? 200);
const TAGS = Number(option('tags', '1'));
const sqliteStatements = mode === 'leases' || mode === 'tags' ? countingSqliteStatements() : undefined;

/** µs CPU per attempt and attempts/s over N attempts, after WARM_UP untimed. */
async function measure(workers, attempt) {
  await run(workers, attempt, WARM_UP);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run(workers, attempt, N);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / N, user: used.user / N, rate: N / seconds };
}

function print(dialect, workers, side, r) {
  console.log(
    `${dialect.padEnd(10)} ${String(workers).padStart(2)} workers  ${side.padEnd(7)} ${r.cpu.toFixed(1).padStart(6)} µs CPU/attempt (user ${r.user.toFixed(1)})  ${r.rate.toFixed(0).padStart(6)} attempts/s`,
  );
}

async function sqlite(workers) {
  const dir = mkdtempSync(join(tmpdir(), 'orion-limits-cpu-'));
  try {
    const file = join(dir, 'limits.db');
    const db = await createDatabase({ url: file });
    await db.globalConcurrencyLimits.create({ name: 'bench', limit: LIMIT });
    if (sides.includes('library'))
      print('sqlite', workers, 'library', await measure(workers, libraryAttempt([db])));
    await db.close();
    if (!sides.includes('raw')) return;
    const conn = new Sqlite(file);
    conn.pragma('busy_timeout = 10000');
    conn.exec(`update concurrency_limit_v2 set active_slots = 0 where name = 'bench'`);
    const take = conn.prepare(
      `update concurrency_limit_v2 set active_slots = active_slots + 1 where name = 'bench' and active and active_slots + 1 <= "limit" returning id`,
    );
    const give = conn.prepare(
      `update concurrency_limit_v2 set active_slots = max(0, active_slots - 1) where name = 'bench'`,
    );
    const raw = async () => {
      await null;
      if (take.all().length === 0) return false;
      await null;
      give.run();
      return true;
    };
    print('sqlite', workers, 'raw', await measure(workers, raw));
    conn.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresql(workers) {
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  const name = `limits_cpu_${process.pid}`;
  await admin.unsafe(`create database ${name}`);
  const target = new URL(pgUrl);
  target.pathname = `/${name}`;
  const handles = [];
  try {
    const db = await createDatabase({ url: target.toString(), poolSize: 1 });
    handles.push(db);
    await db.globalConcurrencyLimits.create({ name: 'bench', limit: LIMIT });
    for (let i = 1; i < workers; i++) {
      handles.push(await createDatabase({ url: target.toString(), poolSize: 1, migrateOnOpen: false }));
    }
    if (sides.includes('library'))
      print('postgresql', workers, 'library', await measure(workers, libraryAttempt(handles)));
    await db.execute(`update concurrency_limit_v2 set active_slots = 0 where name = 'bench'`);
    if (!sides.includes('raw')) return;
    const clients = Array.from({ length: workers }, () =>
      postgres(target.toString(), { max: 1, onnotice: () => {} }),
    );
    const raw = async (i) => {
      const sql = clients[i];
      const rows =
        await sql`update concurrency_limit_v2 set active_slots = active_slots + 1 where name = 'bench' and active and active_slots + 1 <= "limit" returning id`;
      if (rows.length === 0) return false;
      await sql`update concurrency_limit_v2 set active_slots = greatest(0, active_slots - 1) where name = 'bench'`;
      return true;
    };
    print('postgresql', workers, 'raw', await measure(workers, raw));
    await Promise.all(clients.map((c) => c.end()));
  } finally {
    await Promise.all(handles.map((h) => h.close()));
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}

/** One acquire with a lease on `db`'s limit `leases`, then its releaseLease; `between` runs after each. */
async function leaseCycle(db, between) {
  const r = await db.globalConcurrencyLimits.acquire({
    names: ['leases'],
    slots: 1,
    leaseSeconds: 60,
    holder: { type: 'bench', id: 'cpu' },
  });
  if (!r.acquired) throw new Error('the lease bench expects every acquire granted');
  between.acquired();
  await db.globalConcurrencyLimits.releaseLease(r.leaseId, { occupancySeconds: 1 });
  between.released();
}

/** One tag acquire of `db`'s task run `run` on the bench tags, then its release. */
async function tagCycle(db, between, run) {
  const tags = Array.from({ length: TAGS }, (_, i) => (i === 0 ? 'bench' : `bench-${i}`));
  const r = await db.concurrencyLimits.acquire({ taskRunId: run, tags });
  if (!r.acquired) throw new Error('the tag bench expects every acquire granted');
  between.acquired();
  await db.concurrencyLimits.release({ taskRunId: run, tags });
  between.released();
}

/** The tag limits and a task run holding their slots; the cycle for `db`. */
async function tagSetup(db) {
  for (let i = 0; i < TAGS; i++)
    await db.concurrencyLimits.create({ tag: i === 0 ? 'bench' : `bench-${i}`, limit: LIMIT });
  const flow = await db.flows.create({ name: 'bench' });
  const flowRun = await db.flowRuns.create({ flowId: flow.id });
  const task = await db.taskRuns.create({ flowRunId: flowRun.id, taskKey: 'bench', dynamicKey: '0' });
  return (d, between) => tagCycle(d, between, task.id);
}

/** µs CPU per acquire-with-lease and per releaseLease, over N cycles after WARM_UP untimed. */
async function leaseCpu(db, cycle = leaseCycle) {
  const none = { acquired() {}, released() {} };
  for (let i = 0; i < WARM_UP; i++) await cycle(db, none);
  const used = { acquire: 0, release: 0 };
  let mark = process.cpuUsage();
  const spent = () => {
    const d = process.cpuUsage(mark);
    mark = process.cpuUsage();
    return d.user + d.system;
  };
  const timing = { acquired: () => (used.acquire += spent()), released: () => (used.release += spent()) };
  for (let i = 0; i < N; i++) {
    mark = process.cpuUsage();
    await cycle(db, timing);
  }
  return { acquire: used.acquire / N, release: used.release / N };
}

/** Round trips per acquire-with-lease and per releaseLease, read from `counter[key]` around each call. */
async function leaseTrips(db, counter, key, cycle = leaseCycle) {
  const trips = { acquire: 0, release: 0 };
  let mark = counter[key];
  const spent = () => {
    const d = counter[key] - mark;
    mark = counter[key];
    return d;
  };
  const between = { acquired: () => (trips.acquire += spent()), released: () => (trips.release += spent()) };
  for (let i = 0; i < TRIPS; i++) {
    mark = counter[key];
    await cycle(db, between);
  }
  return { acquire: trips.acquire / TRIPS, release: trips.release / TRIPS };
}

function printLeases(dialect, cpu, trips, unit) {
  const label =
    mode === 'tags'
      ? { acquire: `tag acquire×${TAGS}`, release: `tag release×${TAGS}` }
      : { acquire: 'acquire+lease', release: 'releaseLease' };
  for (const call of ['acquire', 'release']) {
    console.log(
      `${dialect.padEnd(10)} ${label[call].padEnd(14)} ${cpu[call].toFixed(1).padStart(7)} µs CPU/call  ${trips[call].toFixed(2)} ${unit}/call`,
    );
  }
}

async function sqliteLeases() {
  const dir = mkdtempSync(join(tmpdir(), 'orion-leases-cpu-'));
  try {
    const db = await createDatabase({ url: join(dir, 'leases.db') });
    await db.globalConcurrencyLimits.create({ name: 'leases', limit: LIMIT });
    const cycle = mode === 'tags' ? await tagSetup(db) : leaseCycle;
    const cpu = await leaseCpu(db, cycle);
    const trips = await leaseTrips(db, sqliteStatements, 'statements', cycle);
    printLeases('sqlite', cpu, trips, 'statements');
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresqlLeases() {
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  const name = `leases_cpu_${process.pid}`;
  await admin.unsafe(`create database ${name}`);
  const target = new URL(pgUrl);
  target.pathname = `/${name}`;
  const proxy = await countingProxy(target.toString());
  try {
    const db = await createDatabase({ url: target.toString(), poolSize: 1 });
    await db.globalConcurrencyLimits.create({ name: 'leases', limit: LIMIT });
    const cycle = mode === 'tags' ? await tagSetup(db) : leaseCycle;
    const cpu = await leaseCpu(db, cycle);
    await db.close();
    const counted = await createDatabase({ url: proxy.url, poolSize: 1, migrateOnOpen: false });
    const trips = await leaseTrips(counted, proxy.counter, 'turns', cycle);
    await counted.close();
    printLeases('postgresql', cpu, trips, 'round trips');
  } finally {
    await proxy.close();
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}

for (const dialect of dialects) {
  if (mode === 'leases' || mode === 'tags') {
    await (dialect === 'sqlite' ? sqliteLeases() : postgresqlLeases());
    continue;
  }
  for (const workers of workerCounts) await (dialect === 'sqlite' ? sqlite(workers) : postgresql(workers));
}
