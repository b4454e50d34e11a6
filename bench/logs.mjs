// Logs at volume (issue 9), on each dialect:
// 1. Bulk insert: rows per second of db.logs.createMany (every row checked, NUL/surrogates cleaned,
//    multi-row INSERTs sized by the bind limit and 16 MB, one transaction) next to the raw driver
//    running the same multi-row INSERT text with the same rows in one transaction. Alternating
//    trials into an emptied table; the best of each side.
// 2. Reads at `--scale` logs (seeded in SQL: runs of 1,000 logs, ten runs logging at a time,
//    so one run's logs are interleaved with nine others'): a page of 200 logs of one run
//    (db.logs.list, p50/p95 over 200 pages at random runs and cursors, alternating with the raw
//    driver reading the same page with one prepared statement), a rare-term text query, and
//    db.logs.stream over all 1M logs with the growth of the process's RSS (must stay under 64 MB),
//    next to the raw driver reading the same keyset pages, each in a process of its own.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';
import { uuidv7 } from '../dist/schema/uuid.js';
import { onBothDialects } from './dialects.mjs';
import { record } from './results.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
// Set by benchLogs from --scale: the rows of each bulk insert (at most 100,000) and the logs read.
let ROWS = 100_000;
let TOTAL = 1_000_000;
const TRIALS = 3;
const COLUMNS = 9;
const COLUMN_LIST =
  '"id", "created", "updated", "name", "level", "flow_run_id", "task_run_id", "message", "timestamp"';

function sampleLogs(n, runs) {
  const start = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    name: 'prefect.task_runs',
    level: 20,
    message: `Task run 'extract-${i}' - Finished in state Completed() after ${i % 997} ms`,
    flowRunId: runs[i % runs.length],
    taskRunId: null,
    timestamp: new Date(start + i),
  }));
}

/** The raw side's statement text: `rows` tuples of nine placeholders. */
function insertText(rows, placeholder) {
  const tuples = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const values = [];
    for (let c = 0; c < COLUMNS; c++) values.push(placeholder(++n));
    tuples.push(`(${values.join(', ')})`);
  }
  return `insert into "log" (${COLUMN_LIST}) values ${tuples.join(', ')}`;
}

/** The rows as the raw driver binds them, in batches of `perStatement`. */
function rawBatches(logs, perStatement, time) {
  const now = time(new Date());
  const out = [];
  for (let from = 0; from < logs.length; from += perStatement) {
    const params = [];
    for (const l of logs.slice(from, from + perStatement)) {
      params.push(
        uuidv7(),
        now,
        now,
        l.name,
        l.level,
        l.flowRunId,
        l.taskRunId,
        l.message,
        time(l.timestamp),
      );
    }
    out.push(params);
  }
  return out;
}

const rate = (ms) => ROWS / (ms / 1000);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

function reportInsert(name, library, raw) {
  record({
    scenario: 'log-insert',
    dialect: name,
    scale: ROWS,
    library: rate(library),
    raw: rate(raw),
    unit: 'rows/s',
  });
  console.log(
    `${name.padEnd(12)} createMany ${fmt(rate(library)).padStart(9)} rows/s   raw driver ${fmt(rate(raw)).padStart(9)} rows/s   library at ${(raw / library).toFixed(2)}x the raw rate`,
  );
}

/**
 * The best of TRIALS alternating runs of the library and the raw driver, each into a table
 * `empty()` has just emptied. Returns { library, raw } in ms.
 */
async function bestOf(empty, libraryRun, rawRun) {
  let library = Number.POSITIVE_INFINITY;
  let raw = Number.POSITIVE_INFINITY;
  for (let trial = 0; trial < TRIALS; trial++) {
    await empty();
    library = Math.min(library, await time(libraryRun));
    await empty();
    raw = Math.min(raw, await time(rawRun));
  }
  return { library, raw };
}

/** The flow run ids the SQL seeds use (`00000000-0000-4000-8000-` and the run number in hex). */
const seededRuns = () =>
  Array.from(
    { length: Math.max(10, Math.floor(TOTAL / 1000)) },
    (_, r) => `00000000-0000-4000-8000-${r.toString(16).padStart(12, '0')}`,
  );

async function time(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** p50 and p95 of times in ms. */
function percentilesOf(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length * 0.5)], p95: sorted[Math.floor(sorted.length * 0.95)] };
}

/** p50 and p95 of `n` runs of `fn`, in ms. */
async function percentiles(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) times.push(await time(() => fn(i)));
  return percentilesOf(times);
}

/**
 * Streams every log in a child process (bench/log-stream.mjs), by the library or by the raw driver;
 * returns { n, seconds, growthMb, retainedMb }: the count, the seconds, the RSS growth (peak −
 * before) in MB and the heap still held after a full GC at the end (what the stream retains, as
 * opposed to garbage the collector has not reclaimed yet).
 */
function streamAll(dialect, target, side) {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', join(HERE, 'log-stream.mjs'), dialect, target, side],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`log-stream.mjs ${side} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1));
}

/**
 * Pages of 200 logs of one run, by the library and by the raw driver (`rawPage(runId)`, the same
 * statement prepared once) alternating, then keyset pages, a rare-term text query, and the stream
 * over every log by each side in a child process.
 */
async function reads(name, db, runs, rawPage, streamTarget) {
  const where = (i) => ({ flowRunId: { any: [runs[(i * 7919) % runs.length]] } });
  // Warm-up (not measured): the statements prepared, the indexes' upper levels cached.
  for (let i = 0; i < 50; i++) {
    await db.logs.list({ where: where(i + 1000), limit: 200 });
    await rawPage(where(i + 1000).flowRunId.any[0]);
  }
  const library = [];
  const raw = [];
  for (let i = 0; i < 200; i++) {
    library.push(await time(() => db.logs.list({ where: where(i), limit: 200 })));
    raw.push(await time(() => rawPage(where(i).flowRunId.any[0])));
  }
  const first = percentilesOf(library);
  const rawFirst = percentilesOf(raw);
  const cursors = [];
  for (let i = 0; i < 20; i++) cursors.push((await db.logs.list({ where: where(i), limit: 200 })).at(-1));
  const next = await percentiles(200, (i) =>
    db.logs.list({ where: where(i % 20), limit: 200, after: cursors[i % 20] }),
  );
  const text = await percentiles(5, () => db.logs.count({ where: { text: { query: 'needle' } } }));
  const dialect = name === 'sqlite' ? 'sqlite' : 'postgresql';
  record({
    scenario: 'log-page',
    dialect,
    scale: TOTAL,
    library: first.p50,
    raw: rawFirst.p50,
    unit: 'ms p50',
  });
  console.log(
    `${name.padEnd(12)} page of 200 of one run (${fmt(TOTAL)} logs): p50 ${first.p50.toFixed(2)} ms, p95 ${first.p95.toFixed(2)} ms (raw driver p50 ${rawFirst.p50.toFixed(2)} ms, p95 ${rawFirst.p95.toFixed(2)} ms; library at ${(first.p50 / rawFirst.p50).toFixed(2)}x its time); next keyset page p50 ${next.p50.toFixed(2)} ms; text query "needle" count p50 ${text.p50.toFixed(0)} ms`,
  );
  const streams = {};
  for (const side of ['library', 'raw']) {
    const s = streamAll(dialect, streamTarget, side);
    streams[side] = s;
    console.log(
      `${name.padEnd(12)} stream over ${fmt(s.n)} logs (${side === 'raw' ? 'raw driver' : 'library'}): ${s.seconds.toFixed(1)} s (${fmt(s.n / s.seconds)} logs/s), RSS growth ${s.growthMb.toFixed(1)} MB (limit 64 MB)${s.retainedMb === undefined ? '' : `, heap retained after GC ${s.retainedMb.toFixed(1)} MB`}`,
    );
  }
  const [lib, byDriver] = [streams.library, streams.raw];
  record({
    scenario: 'log-stream',
    dialect,
    scale: TOTAL,
    library: lib.n / lib.seconds,
    raw: byDriver.n / byDriver.seconds,
    unit: 'logs/s',
    note: `RSS growth: library ${lib.growthMb.toFixed(1)} MB, raw driver ${byDriver.growthMb.toFixed(1)} MB`,
  });
}

async function sqliteCase(dir) {
  const file = join(dir, 'logs.db');
  const runs = Array.from({ length: 100 }, () => crypto.randomUUID());
  const logs = sampleLogs(ROWS, runs);
  const db = await createDatabase({ url: file });
  const conn = new Sqlite(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  const perStatement = Math.floor(32_766 / COLUMNS);
  const full = conn.prepare(insertText(perStatement, () => '?'));
  const { library, raw } = await bestOf(
    () => db.execute('delete from log'),
    () => db.logs.createMany(logs),
    async () => {
      const batches = rawBatches(logs, perStatement, (d) => d.getTime());
      conn.exec('begin immediate');
      for (const params of batches) {
        const statement =
          params.length === perStatement * COLUMNS
            ? full
            : conn.prepare(insertText(params.length / COLUMNS, () => '?'));
        statement.run(...params);
      }
      conn.exec('commit');
    },
  );
  reportInsert('sqlite', library, raw);
  conn.close();

  await db.execute('delete from log');
  // SEED: 1,000 runs of 1,000 logs, one log a second, ten runs logging at a time; one log in
  // 100,000 says "needle".
  await db.execute(`
    with recursive s(i) as (select 0 union all select i + 1 from s where i < ${TOTAL - 1})
    insert into log (id, created, updated, name, level, flow_run_id, message, timestamp)
    select printf('%08x-0000-7000-8000-%012x', i / 1000000, i), 0, 0, 'p', 20,
           printf('00000000-0000-4000-8000-%012x', (i / 10000) * 10 + i % 10),
           case when i % 100000 = 0 then 'found the needle' else 'line ' || hex(randomblob(8)) end,
           1767225600000 + i * 1000
    from s`);
  await db.execute('analyze');
  const reader = new Sqlite(file, { readonly: true });
  const page = reader.prepare('select * from log where flow_run_id = ? order by timestamp, id limit 200');
  await reads('sqlite', db, seededRuns(), async (run) => page.all(run), file);
  reader.close();
  await db.close();
}

async function postgresCase(pgUrl) {
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  const name = `orion_bench_logs_${process.pid}`;
  await admin.unsafe(`create database ${name}`);
  const target = new URL(pgUrl);
  target.pathname = `/${name}`;
  const db = await createDatabase({ url: target.toString() });
  const sql = postgres(target.toString(), { max: 1, onnotice: () => {} });
  try {
    const runs = Array.from({ length: 100 }, () => crypto.randomUUID());
    const logs = sampleLogs(ROWS, runs);
    const perStatement = Math.floor(65_533 / COLUMNS);
    const { library, raw } = await bestOf(
      () => db.execute('truncate log'),
      () => db.logs.createMany(logs),
      () =>
        sql.begin(async (tx) => {
          for (const params of rawBatches(logs, perStatement, (d) => d.toISOString())) {
            await tx.unsafe(
              insertText(params.length / COLUMNS, (n) => `$${n}`),
              params,
            );
          }
        }),
    );
    reportInsert('postgresql', library, raw);

    await db.transaction(async (tx) => {
      await tx.execute('truncate log');
      await tx.execute('set local statement_timeout = 0');
      await tx.execute(`
        insert into log (id, created, updated, name, level, flow_run_id, message, timestamp)
        select gen_random_uuid(), now(), now(), 'p', 20,
               ('00000000-0000-4000-8000-' || lpad(to_hex((i / 10000) * 10 + i % 10), 12, '0'))::uuid,
               case when i % 100000 = 0 then 'found the needle' else 'line ' || md5(i::text) end,
               timestamptz '2026-01-01' + i * interval '1 second'
        from generate_series(0, ${TOTAL - 1}) as i`);
    });
    await db.execute('vacuum analyze log');
    const page = (run) => sql`select * from log where flow_run_id = ${run} order by timestamp, id limit 200`;
    await reads('postgresql', db, seededRuns(), page, target.toString());
  } finally {
    await sql.end();
    await db.close();
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}

/**
 * Prints bulk-insert rates (library and raw driver) and the reads over `scale` logs on each dialect
 * (ORION_BENCH_LOG_ROWS / ORION_BENCH_LOG_TOTAL override the insert size and the logs read).
 */
export function benchLogs(pgUrl, { scale }) {
  TOTAL = Number(process.env.ORION_BENCH_LOG_TOTAL ?? scale);
  ROWS = Number(process.env.ORION_BENCH_LOG_ROWS ?? Math.min(100_000, scale));
  return onBothDialects(
    `\nlogs: createMany of ${fmt(ROWS)} logs (best of ${TRIALS}); reads and stream over ${fmt(TOTAL)} logs`,
    pgUrl,
    sqliteCase,
    postgresCase,
  );
}
