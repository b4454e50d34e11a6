// Transitions per second with 8 callers at once on PostgreSQL (issue 13: "flow-run state
// transitions (serial, and 8 concurrent on PostgreSQL)"): db.flowRuns.setState from 8 loops on one
// handle with a pool of 8, against the raw driver's five-statement transaction (BEGIN, the locked
// read, the state INSERT, the run UPDATE, COMMIT) from 8 loops on a postgres.js pool of 8, in the
// same database. Each loop moves runs of its own (12 each), so callers never wait on one another's
// row locks: the scenario measures how both sides use the connections and the server's cores,
// not lock queues. Library and raw alternate in blocks, so load falls on both.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';
import { record } from './results.mjs';

const CALLERS = 8;
const RUNS_PER_CALLER = 12;
const TRANSITIONS = Number(process.env.ORION_BENCH_TRANSITIONS ?? 3000);
const BLOCKS = 3;
const CYCLE = ['PENDING', 'RUNNING', 'COMPLETED', 'SCHEDULED'];
const title = (t) => t[0] + t.slice(1).toLowerCase();

/** Runs `perCaller` steps in each of CALLERS loops at once; returns steps per second. */
async function concurrently(perCaller, step) {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let i = 0; i < perCaller; i++) await step(caller, i);
    }),
  );
  return (CALLERS * perCaller) / ((performance.now() - start) / 1000);
}

/** The type of a caller's i-th transition: its runs go round the cycle together. */
const typeAt = (i) => CYCLE[Math.floor(i / RUNS_PER_CALLER) % CYCLE.length];

async function library(url) {
  const db = await createDatabase({ url, poolSize: CALLERS });
  const flow = await db.flows.create({ name: `bench-${randomUUID()}` });
  const runs = [];
  for (let c = 0; c < CALLERS; c++) {
    const own = [];
    for (let r = 0; r < RUNS_PER_CALLER; r++) own.push((await db.flowRuns.create({ flowId: flow.id })).id);
    runs.push(own);
  }
  return {
    pass: (perCaller) =>
      concurrently(perCaller, (c, i) =>
        db.flowRuns.setState(runs[c][i % RUNS_PER_CALLER], { type: typeAt(i) }),
      ),
    close: () => db.close(),
  };
}

async function raw(url) {
  const sql = postgres(url, { max: CALLERS, onnotice: () => {} });
  const flowId = randomUUID();
  await sql`insert into flow (id, created, updated, name) values (${flowId}, now(), now(), ${`raw-${flowId}`})`;
  const runs = [];
  for (let c = 0; c < CALLERS; c++) {
    const own = Array.from({ length: RUNS_PER_CALLER }, () => randomUUID());
    for (const [r, id] of own.entries()) {
      await sql`insert into flow_run (id, created, updated, name, flow_id) values (${id}, now(), now(), ${`r${c}-${r}`}, ${flowId})`;
    }
    runs.push(own);
  }
  const transition = (runId, type) =>
    sql.begin(async (tx) => {
      const [row] = await tx`select state_timestamp, run_count from flow_run where id = ${runId} for update`;
      const ts = new Date(Math.max(Date.now(), (row.state_timestamp?.getTime() ?? 0) + 1));
      const stateId = randomUUID();
      await tx`insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details)
               values (${stateId}, ${ts}, ${ts}, ${runId}, ${type}, ${title(type)}, ${ts}, ${sql.json({ flowRunId: runId })})`;
      await tx`update flow_run set state_id = ${stateId}, state_type = ${type}, state_name = ${title(type)}, state_timestamp = ${ts},
               run_count = ${row.run_count + (type === 'RUNNING' ? 1 : 0)}, updated = ${ts} where id = ${runId}`;
    });
  return {
    pass: (perCaller) =>
      concurrently(perCaller, (c, i) => transition(runs[c][i % RUNS_PER_CALLER], typeAt(i))),
    close: () => sql.end(),
  };
}

/** Runs the 8-caller setState benchmark on PostgreSQL (database created and dropped). */
export async function benchSetStateConcurrent(pgUrl) {
  console.log(
    `\nsetState, ${CALLERS} callers at once: ${TRANSITIONS} transitions over ${CALLERS * RUNS_PER_CALLER} runs, pool of ${CALLERS} (PostgreSQL)`,
  );
  if (!pgUrl) return console.log('postgresql: skipped (set ORION_BENCH_POSTGRES_URL)');
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  const name = `orion_bench_states8_${process.pid}`;
  await admin.unsafe(`create database ${name}`);
  try {
    const target = new URL(pgUrl);
    target.pathname = `/${name}`;
    const lib = await library(target.toString());
    const bare = await raw(target.toString());
    try {
      // A warm-up block each (statements prepared, code compiled), then timed blocks alternating.
      const perBlock = Math.ceil(TRANSITIONS / BLOCKS / CALLERS);
      await lib.pass(RUNS_PER_CALLER * 2);
      await bare.pass(RUNS_PER_CALLER * 2);
      const rates = { library: [], raw: [] };
      for (let b = 0; b < BLOCKS; b++) {
        rates.library.push(await lib.pass(perBlock));
        rates.raw.push(await bare.pass(perBlock));
      }
      const mean = (xs) => xs.length / xs.reduce((sum, r) => sum + 1 / r, 0);
      const [l, r] = [mean(rates.library), mean(rates.raw)];
      record({
        scenario: 'set-state-8',
        dialect: 'postgresql',
        scale: CALLERS * RUNS_PER_CALLER,
        library: l,
        raw: r,
        unit: 'transitions/s',
      });
      console.log(
        `${'postgresql'.padEnd(22)} library ${l.toFixed(0).padStart(6)}/s   raw driver ${r.toFixed(0).padStart(6)}/s   library takes ${(r / l).toFixed(2)}x the raw time`,
      );
    } finally {
      await lib.close();
      await bare.close();
    }
  } finally {
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}
