// Transitions per second: db.flowRuns.setState (validation, lock, bookkeeping, 3 statements in one
// transaction) against references doing the same work in one transaction each, in the same run, in
// alternating blocks on the same database so that the machine's load falls on every side alike:
// - the raw driver, the strictest reference and the one in the results table: the locked read,
//   the state row, and an UPDATE naming only the bookkeeping columns that change (the library's
//   own trick: SQLite rewrites the index entries of every column an UPDATE names);
// - the raw driver the usual way: the same, with one UPDATE setting every bookkeeping column;
// - plain Drizzle, what a user writes instead: the usual way, built with Drizzle's query builder
//   over the same tables (the library's schema objects), in one Drizzle transaction (SQLite: its
//   synchronous `behavior: 'immediate'` transaction);
// - the raw driver writing only the state columns and the run count: the reference before
//   2026-12-01, less work than the library does (no start, end, run time, expected or next
//   scheduled start), kept for comparison with older results.
// The bookkeeping is bench/bookkeeping.mjs (rules 2–7 of docs/repositories.md).
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
/** Measured blocks per side, after one unmeasured block of RUNS transitions each. */
const BLOCKS = 6;
const CYCLE = ['PENDING', 'RUNNING', 'COMPLETED', 'SCHEDULED'];
const typeAt = (n) => CYCLE[Math.floor(n / RUNS) % CYCLE.length];
const title = (t) => t[0] + t.slice(1).toLowerCase();
const ms = (d) => (d === null ? null : d.getTime());
const date = (n) => (n === null ? null : new Date(n));

/** The raw side's connection to a SQLite file, with the library's pragmas (docs/database.md). */
export function sqliteRawConnection(file) {
  const conn = new Sqlite(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('foreign_keys = ON');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('wal_autocheckpoint = 4000');
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

const INSERT_STATE =
  'insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details) values (?, ?, ?, ?, ?, ?, ?, ?)';

let placeholder = 0;
const INSERT_STATE_PG = INSERT_STATE.replace(/\?/g, () => `$${++placeholder}`);

/** The bookkeeping columns and their new values, in the order of the usual UPDATE. */
const bookkeepingValues = (b) => [
  ['start_time', b.start],
  ['end_time', b.end],
  ['total_run_time', b.total],
  ['run_count', b.runCount],
  ['expected_start_time', b.expected],
  ['next_scheduled_start_time', b.next],
];

/**
 * The raw driver's transition on SQLite, `(runId, type) => void`, the statements prepared once.
 * `changedOnly`: the UPDATE names the state columns and only the bookkeeping columns whose value
 * changes (a statement prepared per column set); otherwise every bookkeeping column.
 */
export function sqliteRawTransition(conn, { changedOnly = false } = {}) {
  const lock = conn.prepare(`select ${BOOKKEEPING_COLUMNS} from flow_run where id = ?`);
  const insertState = conn.prepare(INSERT_STATE);
  const updates = new Map();
  const updateFor = (columns) => {
    const key = columns.join(',');
    let statement = updates.get(key);
    if (!statement) {
      const set = ['state_id', 'state_type', 'state_name', 'state_timestamp', 'updated', ...columns];
      statement = conn.prepare(`update flow_run set ${set.map((c) => `${c} = ?`).join(', ')} where id = ?`);
      updates.set(key, statement);
    }
    return statement;
  };
  return (runId, type) => {
    conn.exec('BEGIN IMMEDIATE');
    const row = lock.get(runId);
    const ts = Math.max(Date.now(), (row.state_timestamp ?? 0) + 1);
    const b = bookkeeping(row, type, ts);
    const stateId = randomUUID();
    insertState.run(stateId, ts, ts, runId, type, b.name, ts, JSON.stringify({ flowRunId: runId }));
    const written = bookkeepingValues(b).filter(([column, value]) => !changedOnly || row[column] !== value);
    updateFor(written.map(([column]) => column)).run(
      stateId,
      type,
      b.name,
      ts,
      ts,
      ...written.map(([, value]) => value),
      runId,
    );
    conn.exec('COMMIT');
  };
}

/** The reference before 2026-12-01: the state columns and the run count only. */
function sqliteStateColumnsTransition(conn) {
  const lock = conn.prepare('select state_timestamp, run_count from flow_run where id = ?');
  const insertState = conn.prepare(INSERT_STATE);
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

/**
 * The raw driver's transition on PostgreSQL, `(runId, type) => Promise`: five statements, one
 * transaction, prepared. `changedOnly` as for SQLite.
 */
export function postgresRawTransition(sql, { changedOnly = false } = {}) {
  const timeColumns = new Set(['start_time', 'end_time', 'expected_start_time', 'next_scheduled_start_time']);
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
      await tx.unsafe(
        INSERT_STATE_PG,
        [stateId, at, at, runId, type, b.name, at, JSON.stringify({ flowRunId: runId })],
        { prepare: true },
      );
      const written = bookkeepingValues(b).filter(([column, value]) => !changedOnly || row[column] !== value);
      const set = ['state_id', 'state_type', 'state_name', 'state_timestamp', 'updated'].concat(
        written.map(([column]) => column),
      );
      const values = [stateId, type, b.name, at, at].concat(
        written.map(([column, value]) => (timeColumns.has(column) ? date(value) : value)),
      );
      await tx.unsafe(
        `update flow_run set ${set.map((c, i) => `${c} = $${i + 1}`).join(', ')} where id = $${set.length + 1}`,
        [...values, runId],
        { prepare: true },
      );
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

function sqliteDrizzleTransition(d, t) {
  return (runId, type) =>
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

function postgresDrizzleTransition(d, t) {
  return (runId, type) =>
    d.transaction(async (tx) => {
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

/** The library's side: its own flow and runs, `setState` for each transition. */
async function librarySide(db) {
  const flow = await db.flows.create({ name: `bench-${randomUUID()}` });
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push((await db.flowRuns.create({ flowId: flow.id })).id);
  return { runs, step: (runId, type) => db.flowRuns.setState(runId, { type }) };
}

/**
 * Each side's rate (transitions/s): one unmeasured block of RUNS transitions each (statements
 * prepared, pages cached), then BLOCKS measured blocks of TRANSITIONS / BLOCKS, the sides taking
 * turns; each side moves its own runs through PENDING → RUNNING → COMPLETED → SCHEDULED.
 */
async function alternate(sides) {
  const perBlock = TRANSITIONS / BLOCKS;
  for (const side of sides) {
    side.n = 0;
    side.ms = 0;
    for (; side.n < RUNS; side.n++) await side.step(side.runs[side.n % RUNS], typeAt(side.n));
  }
  for (let block = 0; block < BLOCKS; block++) {
    for (const side of sides) {
      const start = performance.now();
      for (const end = side.n + perBlock; side.n < end; side.n++) {
        await side.step(side.runs[side.n % RUNS], typeAt(side.n));
      }
      side.ms += performance.now() - start;
    }
  }
  return Object.fromEntries(sides.map((side) => [side.name, TRANSITIONS / (side.ms / 1000)]));
}

function report(name, rates) {
  const { library, raw, usual, drizzle, stateColumns } = rates;
  const dialect = name.startsWith('sqlite') ? 'sqlite' : 'postgresql';
  const at = (reference) => (library / reference).toFixed(2);
  record({
    scenario: 'set-state',
    dialect,
    scale: RUNS,
    library,
    raw,
    unit: 'transitions/s',
    peer: { name: 'plain Drizzle', value: drizzle },
    note: `raw driver changing only the changed columns (this table's raw) ${raw.toFixed(0)}/s; raw driver setting every bookkeeping column ${usual.toFixed(0)}/s (library ${at(usual)}x); plain Drizzle ${drizzle.toFixed(0)}/s (library ${at(drizzle)}x); raw writing the state columns only, the reference before 2026-12-01, ${stateColumns.toFixed(0)}/s (library ${at(stateColumns)}x)`,
  });
  const rate = (x) => `${x.toFixed(0).padStart(6)}/s`;
  console.log(
    `${name.padEnd(22)} library ${rate(library)}   (library's speed against each, above 1.00x faster)`,
  );
  console.log(
    `${''.padEnd(22)} raw driver, only changed columns in the UPDATE  ${rate(raw)}   library at ${at(raw)}x`,
  );
  console.log(
    `${''.padEnd(22)} raw driver, every bookkeeping column            ${rate(usual)}   library at ${at(usual)}x`,
  );
  console.log(
    `${''.padEnd(22)} plain Drizzle, every bookkeeping column         ${rate(drizzle)}   library at ${at(drizzle)}x`,
  );
  console.log(
    `${''.padEnd(22)} raw driver, state columns only (before 2026-12-01) ${rate(stateColumns)}   library at ${at(stateColumns)}x`,
  );
}

async function sqliteCase(file) {
  // The library opens (and migrates) the file first; the other sides open connections of their own.
  const db = await createDatabase({ url: file });
  const conn = sqliteRawConnection(file);
  const d = drizzleSqlite(conn);
  try {
    const rawSide = (name, make) => ({ name, runs: sqliteRawSeed(conn), step: make(conn) });
    const rates = await alternate([
      { name: 'library', ...(await librarySide(db)) },
      rawSide('raw', (c) => sqliteRawTransition(c, { changedOnly: true })),
      rawSide('usual', (c) => sqliteRawTransition(c)),
      {
        name: 'drizzle',
        runs: await drizzleSeed(d, sqliteTables),
        step: sqliteDrizzleTransition(d, sqliteTables),
      },
      rawSide('stateColumns', sqliteStateColumnsTransition),
    ]);
    report('sqlite (file, WAL)', rates);
  } finally {
    await db.close();
    conn.close();
  }
}

async function postgresCase(url) {
  const db = await createDatabase({ url });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const d = drizzlePostgres(client);
  try {
    const rawSide = async (name, make) => ({ name, runs: await postgresRawSeed(sql), step: make(sql) });
    const rates = await alternate([
      { name: 'library', ...(await librarySide(db)) },
      await rawSide('raw', (s) => postgresRawTransition(s, { changedOnly: true })),
      await rawSide('usual', (s) => postgresRawTransition(s)),
      { name: 'drizzle', runs: await drizzleSeed(d, pgTables), step: postgresDrizzleTransition(d, pgTables) },
      await rawSide('stateColumns', postgresStateColumnsTransition),
    ]);
    report('postgresql', rates);
  } finally {
    await db.close();
    await sql.end();
    await client.end();
  }
}

/** Runs the setState benchmark on a SQLite file and, given a URL, on PostgreSQL (database created and dropped). */
export async function benchSetState(pgUrl) {
  console.log(
    `\nsetState: ${TRANSITIONS} sequential transitions over ${RUNS} runs a side, one caller, sides alternating in ${BLOCKS} blocks (lock-read, insert state, update run)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'orion-bench-'));
  try {
    await sqliteCase(join(dir, 'bench.db'));
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
    await postgresCase(target.toString());
  } finally {
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}
