// Transitions per second: db.flowRuns.setState (validation, lock, bookkeeping, 3 statements in one
// transaction) against the raw driver doing the same work in one transaction, in the same run: the
// locked read, the state row, and the run's update with every bookkeeping column the rules compute
// (bench/bookkeeping.mjs), as a caller writes it by hand: one UPDATE setting them all. The peer is
// plain Drizzle, what a user writes instead: the same lock-read, insert and update, built with
// Drizzle's query builder over the same tables (the library's schema objects), in one Drizzle
// transaction (SQLite: its synchronous `behavior: 'immediate'` transaction). Until 2026-12-01 both
// references wrote only the state columns and the run count (no start, end, run time, expected or
// next scheduled time); that reference is still timed and printed ("state columns only").
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';
import * as pgTables from '../dist/schema/postgres/index.js';
import * as sqliteTables from '../dist/schema/sqlite/index.js';
import { BOOKKEEPING_COLUMNS, bookkeeping } from './bookkeeping.mjs';
import { record } from './results.mjs';

const TRANSITIONS = Number(process.env.ORION_BENCH_TRANSITIONS ?? 3000);
const RUNS = 100;
const CYCLE = ['PENDING', 'RUNNING', 'COMPLETED', 'SCHEDULED'];
const title = (t) => t[0] + t.slice(1).toLowerCase();

async function libraryPass(db) {
  const flow = await db.flows.create({ name: `bench-${randomUUID()}` });
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push((await db.flowRuns.create({ flowId: flow.id })).id);
  const start = performance.now();
  for (let i = 0; i < TRANSITIONS; i++) {
    await db.flowRuns.setState(runs[i % RUNS], { type: CYCLE[Math.floor(i / RUNS) % CYCLE.length] });
  }
  return TRANSITIONS / ((performance.now() - start) / 1000);
}

/** The raw side's connection to a SQLite file, with the library's pragmas. */
export function sqliteRawConnection(file) {
  const conn = new Sqlite(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('foreign_keys = ON');
  return conn;
}

/** Seeds a flow and RUNS runs with plain statements; returns the run ids. */
export function sqliteRawSeed(conn) {
  const flowId = randomUUID();
  const now = Date.now();
  conn
    .prepare('insert into flow (id, created, updated, name) values (?, ?, ?, ?)')
    .run(flowId, now, now, `raw-${flowId}`);
  const runs = [];
  const insertRun = conn.prepare(
    'insert into flow_run (id, created, updated, name, flow_id) values (?, ?, ?, ?, ?)',
  );
  for (let i = 0; i < RUNS; i++) {
    const id = randomUUID();
    insertRun.run(id, now, now, `r${i}`, flowId);
    runs.push(id);
  }
  return runs;
}

/** The raw driver's transition on SQLite, `(runId, type) => void`: the statements prepared once. */
export function sqliteRawTransition(conn) {
  const lock = conn.prepare(`select ${BOOKKEEPING_COLUMNS} from flow_run where id = ?`);
  const insertState = conn.prepare(
    'insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const update = conn.prepare(
    `update flow_run set state_id = ?, state_type = ?, state_name = ?, state_timestamp = ?, start_time = ?,
       end_time = ?, total_run_time = ?, run_count = ?, expected_start_time = ?, next_scheduled_start_time = ?,
       updated = ? where id = ?`,
  );
  return (runId, type) => {
    conn.exec('BEGIN IMMEDIATE');
    const row = lock.get(runId);
    const ts = Math.max(Date.now(), (row.state_timestamp ?? 0) + 1);
    const b = bookkeeping(row, type, ts);
    const stateId = randomUUID();
    insertState.run(stateId, ts, ts, runId, type, b.name, ts, JSON.stringify({ flowRunId: runId }));
    update.run(stateId, type, b.name, ts, b.start, b.end, b.total, b.runCount, b.expected, b.next, ts, runId);
    conn.exec('COMMIT');
  };
}

/** The reference before 2026-12-01: the state columns and the run count only. */
function sqliteStateColumnsTransition(conn) {
  const lock = conn.prepare('select state_timestamp, run_count from flow_run where id = ?');
  const insertState = conn.prepare(
    'insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const update = conn.prepare(
    'update flow_run set state_id = ?, state_type = ?, state_name = ?, state_timestamp = ?, run_count = ?, updated = ? where id = ?',
  );
  return (runId, type) => {
    conn.exec('BEGIN IMMEDIATE');
    const row = lock.get(runId);
    const ts = Math.max(Date.now(), (row.state_timestamp ?? 0) + 1);
    const stateId = randomUUID();
    insertState.run(stateId, ts, ts, runId, type, title(type), ts, JSON.stringify({ flowRunId: runId }));
    update.run(stateId, type, title(type), ts, row.run_count + (type === 'RUNNING' ? 1 : 0), ts, runId);
    conn.exec('COMMIT');
  };
}

async function sqliteRaw(file, make = sqliteRawTransition) {
  const conn = sqliteRawConnection(file);
  const runs = sqliteRawSeed(conn);
  const transition = make(conn);
  const start = performance.now();
  for (let i = 0; i < TRANSITIONS; i++) {
    transition(runs[i % RUNS], CYCLE[Math.floor(i / RUNS) % CYCLE.length]);
  }
  const rate = TRANSITIONS / ((performance.now() - start) / 1000);
  conn.close();
  return rate;
}

/** Seeds a flow and RUNS runs with plain statements on PostgreSQL; returns the run ids. */
export async function postgresRawSeed(sql) {
  const flowId = randomUUID();
  await sql`insert into flow (id, created, updated, name) values (${flowId}, now(), now(), ${`raw-${flowId}`})`;
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const id = randomUUID();
    await sql`insert into flow_run (id, created, updated, name, flow_id) values (${id}, now(), now(), ${`r${i}`}, ${flowId})`;
    runs.push(id);
  }
  return runs;
}

const ms = (d) => (d === null ? null : d.getTime());
const date = (n) => (n === null ? null : new Date(n));

/** The raw driver's transition on PostgreSQL, `(runId, type) => Promise`: five statements, one transaction. */
export function postgresRawTransition(sql) {
  return (runId, type) =>
    sql.begin(async (tx) => {
      const [r] = await tx.unsafe(
        `select ${BOOKKEEPING_COLUMNS} from flow_run where id = $1 for update`,
        [runId],
        {
          prepare: true,
        },
      );
      const row = { ...r, state_timestamp: ms(r.state_timestamp), start_time: ms(r.start_time) };
      Object.assign(row, { end_time: ms(r.end_time), expected_start_time: ms(r.expected_start_time) });
      const ts = Math.max(Date.now(), (row.state_timestamp ?? 0) + 1);
      const b = bookkeeping(row, type, ts);
      const stateId = randomUUID();
      const at = new Date(ts);
      await tx`insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details)
               values (${stateId}, ${at}, ${at}, ${runId}, ${type}, ${b.name}, ${at}, ${sql.json({ flowRunId: runId })})`;
      await tx`update flow_run set state_id = ${stateId}, state_type = ${type}, state_name = ${b.name}, state_timestamp = ${at},
               start_time = ${date(b.start)}, end_time = ${date(b.end)}, total_run_time = ${b.total}, run_count = ${b.runCount},
               expected_start_time = ${date(b.expected)}, next_scheduled_start_time = ${date(b.next)}, updated = ${at}
               where id = ${runId}`;
    });
}

/** The reference before 2026-12-01: the state columns and the run count only. */
function postgresStateColumnsTransition(sql) {
  return (runId, type) =>
    sql.begin(async (tx) => {
      const [row] = await tx`select state_timestamp, run_count from flow_run where id = ${runId} for update`;
      const ts = new Date(Math.max(Date.now(), (row.state_timestamp?.getTime() ?? 0) + 1));
      const stateId = randomUUID();
      await tx`insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details)
               values (${stateId}, ${ts}, ${ts}, ${runId}, ${type}, ${title(type)}, ${ts}, ${sql.json({ flowRunId: runId })})`;
      await tx`update flow_run set state_id = ${stateId}, state_type = ${type}, state_name = ${title(type)}, state_timestamp = ${ts},
               run_count = ${row.run_count + (type === 'RUNNING' ? 1 : 0)}, updated = ${ts} where id = ${runId}`;
    });
}

async function postgresRaw(url, make = postgresRawTransition) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const runs = await postgresRawSeed(sql);
  const transition = make(sql);
  const start = performance.now();
  for (let i = 0; i < TRANSITIONS; i++) {
    await transition(runs[i % RUNS], CYCLE[Math.floor(i / RUNS) % CYCLE.length]);
  }
  const rate = TRANSITIONS / ((performance.now() - start) / 1000);
  await sql.end();
  return rate;
}

/** Seeds a flow and RUNS runs through Drizzle; returns the run ids. */
async function drizzleSeed(d, t) {
  const flowId = randomUUID();
  const now = new Date();
  await d.insert(t.flow).values({ id: flowId, created: now, updated: now, name: `drizzle-${flowId}` });
  const runs = Array.from({ length: RUNS }, () => randomUUID());
  await d
    .insert(t.flowRun)
    .values(runs.map((id, i) => ({ id, created: now, updated: now, name: `d${i}`, flowId })));
  return runs;
}

/** The columns Drizzle's locked read takes: those `bookkeeping` reads. */
const drizzleLocked = (t) => ({
  stateType: t.flowRun.stateType,
  stateTimestamp: t.flowRun.stateTimestamp,
  startTime: t.flowRun.startTime,
  endTime: t.flowRun.endTime,
  totalRunTime: t.flowRun.totalRunTime,
  runCount: t.flowRun.runCount,
  expectedStartTime: t.flowRun.expectedStartTime,
});

/** The values one transition writes, from the locked run (Drizzle's row: Dates and camelCase). */
function transitionValues(runId, type, row) {
  const ts = Math.max(Date.now(), (row.stateTimestamp?.getTime() ?? 0) + 1);
  const b = bookkeeping(
    {
      state_type: row.stateType,
      state_timestamp: ms(row.stateTimestamp),
      start_time: ms(row.startTime),
      end_time: ms(row.endTime),
      total_run_time: row.totalRunTime,
      run_count: row.runCount,
      expected_start_time: ms(row.expectedStartTime),
    },
    type,
    ts,
  );
  const at = new Date(ts);
  const stateId = randomUUID();
  return {
    state: {
      id: stateId,
      created: at,
      updated: at,
      flowRunId: runId,
      type,
      name: b.name,
      timestamp: at,
      stateDetails: { flowRunId: runId },
    },
    run: {
      stateId,
      stateType: type,
      stateName: b.name,
      stateTimestamp: at,
      startTime: date(b.start),
      endTime: date(b.end),
      totalRunTime: b.total,
      runCount: b.runCount,
      expectedStartTime: date(b.expected),
      nextScheduledStartTime: date(b.next),
      updated: at,
    },
  };
}

async function sqliteDrizzle(file) {
  const conn = sqliteRawConnection(file);
  const t = sqliteTables;
  const d = drizzleSqlite(conn);
  const runs = await drizzleSeed(d, t);
  const start = performance.now();
  for (let i = 0; i < TRANSITIONS; i++) {
    const runId = runs[i % RUNS];
    const type = CYCLE[Math.floor(i / RUNS) % CYCLE.length];
    d.transaction(
      (tx) => {
        const row = tx.select(drizzleLocked(t)).from(t.flowRun).where(eq(t.flowRun.id, runId)).get();
        const v = transitionValues(runId, type, row);
        tx.insert(t.flowRunState).values(v.state).run();
        tx.update(t.flowRun).set(v.run).where(eq(t.flowRun.id, runId)).run();
      },
      { behavior: 'immediate' },
    );
  }
  const rate = TRANSITIONS / ((performance.now() - start) / 1000);
  conn.close();
  return rate;
}

async function postgresDrizzle(url) {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const t = pgTables;
  const d = drizzlePostgres(client);
  const runs = await drizzleSeed(d, t);
  const start = performance.now();
  for (let i = 0; i < TRANSITIONS; i++) {
    const runId = runs[i % RUNS];
    const type = CYCLE[Math.floor(i / RUNS) % CYCLE.length];
    await d.transaction(async (tx) => {
      const [row] = await tx
        .select(drizzleLocked(t))
        .from(t.flowRun)
        .where(eq(t.flowRun.id, runId))
        .for('update');
      const v = transitionValues(runId, type, row);
      await tx.insert(t.flowRunState).values(v.state);
      await tx.update(t.flowRun).set(v.run).where(eq(t.flowRun.id, runId));
    });
  }
  const rate = TRANSITIONS / ((performance.now() - start) / 1000);
  await client.end();
  return rate;
}

function report(name, library, raw, drizzle, stateColumnsOnly) {
  const dialect = name.startsWith('sqlite') ? 'sqlite' : 'postgresql';
  record({
    scenario: 'set-state',
    dialect,
    scale: RUNS,
    library,
    raw,
    unit: 'transitions/s',
    peer: { name: 'plain Drizzle', value: drizzle },
    note: `library ${(library / drizzle).toFixed(2)}x plain Drizzle; raw writing the state columns only (the reference before 2026-12-01) ${stateColumnsOnly.toFixed(0)}/s, library ${(library / stateColumnsOnly).toFixed(2)}x it`,
  });
  console.log(
    `${name.padEnd(22)} library ${library.toFixed(0).padStart(6)}/s   raw driver ${raw.toFixed(0).padStart(6)}/s   library takes ${(raw / library).toFixed(2)}x the raw time   plain Drizzle ${drizzle.toFixed(0).padStart(6)}/s (library ${(library / drizzle).toFixed(2)}x it)`,
  );
  console.log(
    `${''.padEnd(22)} raw driver writing the state columns only (the reference before 2026-12-01) ${stateColumnsOnly.toFixed(0).padStart(6)}/s (library ${(library / stateColumnsOnly).toFixed(2)}x it)`,
  );
}

/** Runs the setState benchmark on a SQLite file and, given a URL, on PostgreSQL (database created and dropped). */
export async function benchSetState(pgUrl) {
  console.log(
    `\nsetState: ${TRANSITIONS} sequential transitions over ${RUNS} runs, one caller (lock-read, insert state, update run)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'orion-bench-'));
  try {
    const file = join(dir, 'bench.db');
    const db = await createDatabase({ url: file });
    const library = await libraryPass(db);
    await db.close();
    const raw = await sqliteRaw(file);
    const drizzle = await sqliteDrizzle(file);
    report('sqlite (file, WAL)', library, raw, drizzle, await sqliteRaw(file, sqliteStateColumnsTransition));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!pgUrl) return console.log('postgresql: skipped (set ORION_BENCH_POSTGRES_URL)');
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  const name = `orion_bench_states_${process.pid}`;
  await admin.unsafe(`create database ${name}`);
  try {
    const target = new URL(pgUrl);
    target.pathname = `/${name}`;
    const db = await createDatabase({ url: target.toString() });
    const library = await libraryPass(db);
    await db.close();
    const raw = await postgresRaw(target.toString());
    const drizzle = await postgresDrizzle(target.toString());
    const stateColumnsOnly = await postgresRaw(target.toString(), postgresStateColumnsTransition);
    report('postgresql', library, raw, drizzle, stateColumnsOnly);
  } finally {
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}
