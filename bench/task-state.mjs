// Task-run transitions per second, one caller (serial), in a task_run table of `scale` rows:
// db.taskRuns.setState (validation, lock, the bookkeeping rules, the parent flow run's run count)
// against the raw driver doing the same bookkeeping by hand the usual way — read the run locked
// (with its flow run's run_count), insert the state, update the run, in one transaction, prepared
// statements. Library and raw driver each move their own 100 seeded task runs through
// PENDING → RUNNING → COMPLETED → SCHEDULED, in alternating blocks.
import { randomUUID } from 'node:crypto';
import { bookkeeping as runBookkeeping } from './bookkeeping.mjs';
import { time } from './measure.mjs';
import { record } from './results.mjs';

const TRANSITIONS = Number(process.env.ORION_BENCH_TASK_TRANSITIONS ?? 2000);
const RUNS = 100;
const BLOCKS = 4;
const CYCLE = ['PENDING', 'RUNNING', 'COMPLETED', 'SCHEDULED'];
const taskId = (i) => `00000000-0000-7001-8000-${i.toString(16).padStart(12, '0')}`;
const typeAt = (n) => CYCLE[Math.floor(n / RUNS) % CYCLE.length];

/** The flow-run bookkeeping (bench/bookkeeping.mjs) and the parent's run count (rule 7). */
function bookkeeping(row, type, ts) {
  return {
    ...runBookkeeping(row, type, ts),
    parentRunCount: type === 'RUNNING' ? (row.parent_run_count ?? 0) : row.flow_run_run_count,
  };
}

const LOCKED_READ = `select state_type, state_timestamp, start_time, end_time, total_run_time, run_count,
  expected_start_time, flow_run_run_count, (select run_count from flow_run where id = flow_run_id) as parent_run_count
  from task_run where id = $1`;
const INSERT_STATE = `insert into task_run_state (id, created, updated, task_run_id, type, name, timestamp, state_details)
  values ($1, $2, $2, $3, $4, $5, $2, $6)`;
const UPDATE_RUN = `update task_run set state_id = $1, state_type = $2, state_name = $3, state_timestamp = $4,
  start_time = $5, end_time = $6, total_run_time = $7, run_count = $8, expected_start_time = $9,
  next_scheduled_start_time = $10, flow_run_run_count = $11, updated = $4 where id = $12`;
const updateParams = (stateId, type, ts, b, id) => [
  stateId,
  type,
  b.name,
  ts,
  b.start,
  b.end,
  b.total,
  b.runCount,
  b.expected,
  b.next,
  b.parentRunCount,
  id,
];

function sqliteTransition(conn) {
  // better-sqlite3 binds `?` by position: each `$n` of the texts above becomes a `?` bound to
  // the n-th value.
  const prep = (text) => {
    const order = [...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]) - 1);
    const statement = conn.prepare(text.replace(/\$\d+/g, '?'));
    const bind = (values) => order.map((n) => values[n]);
    return { get: (...v) => statement.get(bind(v)), run: (...v) => statement.run(bind(v)) };
  };
  const [read, insert, update] = [prep(LOCKED_READ), prep(INSERT_STATE), prep(UPDATE_RUN)];
  return async (id, type) => {
    conn.exec('BEGIN IMMEDIATE');
    const row = read.get(id);
    const ts = Math.max(Date.now(), (row.state_timestamp ?? 0) + 1);
    const b = bookkeeping(row, type, ts);
    const stateId = randomUUID();
    insert.run(stateId, ts, id, type, b.name, JSON.stringify({ taskRunId: id }));
    update.run(...updateParams(stateId, type, ts, b, id));
    conn.exec('COMMIT');
  };
}

function postgresTransition(sql) {
  const ms = (d) => (d === null ? null : d.getTime());
  const date = (n) => (n === null ? null : new Date(n));
  return (id, type) =>
    sql.begin(async (tx) => {
      const [r] = await tx.unsafe(`${LOCKED_READ} for update`, [id], { prepare: true });
      const row = { ...r, state_timestamp: ms(r.state_timestamp), start_time: ms(r.start_time) };
      Object.assign(row, { end_time: ms(r.end_time), expected_start_time: ms(r.expected_start_time) });
      const ts = Math.max(Date.now(), (row.state_timestamp ?? 0) + 1);
      const b = bookkeeping(row, type, ts);
      const stateId = randomUUID();
      await tx.unsafe(
        INSERT_STATE,
        [stateId, new Date(ts), id, type, b.name, JSON.stringify({ taskRunId: id })],
        {
          prepare: true,
        },
      );
      const params = updateParams(stateId, type, new Date(ts), b, id);
      for (const i of [4, 5, 8, 9]) params[i] = date(params[i]);
      await tx.unsafe(UPDATE_RUN, params, { prepare: true });
    });
}

/** Runs the task-run transitions on one dialect; `ctx` as for bench/run-lists.mjs. */
export async function benchTaskState(ctx) {
  const raw = ctx.dialect === 'sqlite' ? sqliteTransition(ctx.conn) : postgresTransition(ctx.sql);
  const library = (id, type) => ctx.db.taskRuns.setState(id, { type });
  const sides = [
    { move: library, first: 0, ms: 0 },
    { move: raw, first: RUNS, ms: 0 },
  ];
  const perBlock = TRANSITIONS / BLOCKS;
  for (let block = 0; block < BLOCKS; block++) {
    for (const side of sides) {
      side.ms += await time(async () => {
        for (let n = block * perBlock; n < (block + 1) * perBlock; n++) {
          await side.move(taskId(side.first + (n % RUNS)), typeAt(n));
        }
      });
    }
  }
  const [lib, rawRate] = sides.map((s) => TRANSITIONS / (s.ms / 1000));
  const r = record({
    scenario: 'task-set-state',
    dialect: ctx.dialect,
    scale: ctx.scale,
    library: lib,
    raw: rawRate,
    unit: 'transitions/s',
  });
  console.log(
    `${'task-set-state'.padEnd(20)} ${ctx.dialect.padEnd(10)} library ${lib.toFixed(0)}/s   raw driver ${rawRate.toFixed(0)}/s   library at ${r.ratio.toFixed(2)}x the raw speed`,
  );
}
