// Transitions per second with 8 callers at once on PostgreSQL (issue 13: "flow-run state
// transitions (serial, and 8 concurrent on PostgreSQL)"): db.flowRuns.setState from 8 loops on one
// handle with a pool of 8, against the raw driver's five-statement transaction (set-state.mjs's,
// BEGIN, the locked read, the state INSERT, the run UPDATE, COMMIT) from 8 loops on a postgres.js
// pool of 8, in the same database. Each loop moves runs of its own (12 each), so callers never
// wait on one another's row locks: the scenario measures how both sides use the connections and
// the server's cores, not lock queues. Library and raw alternate in blocks, so load falls on both.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';
import { withPostgresDatabase } from './dialects.mjs';
import { record } from './results.mjs';
import { postgresRawTransition } from './set-state.mjs';

const CALLERS = 8;
const RUNS_PER_CALLER = 12;
const TRANSITIONS = Number(process.env.ORION_BENCH_TRANSITIONS ?? 3000);
const BLOCKS = 3;
const CYCLE = ['PENDING', 'RUNNING', 'COMPLETED', 'SCHEDULED'];

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

/** `{ pass(perCaller), close() }` for a side whose `transition(runId, type)` moves runs[caller]. */
function side(runs, transition, close) {
  return {
    pass: (perCaller) =>
      concurrently(perCaller, (c, i) => transition(runs[c][i % RUNS_PER_CALLER], typeAt(i))),
    close,
  };
}

async function library(url) {
  const db = await createDatabase({ url, poolSize: CALLERS });
  const flow = await db.flows.create({ name: `bench-${randomUUID()}` });
  const runs = [];
  for (let c = 0; c < CALLERS; c++) {
    const own = [];
    for (let r = 0; r < RUNS_PER_CALLER; r++) own.push((await db.flowRuns.create({ flowId: flow.id })).id);
    runs.push(own);
  }
  return side(
    runs,
    (runId, type) => db.flowRuns.setState(runId, { type }),
    () => db.close(),
  );
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
  return side(runs, postgresRawTransition(sql, { changedOnly: true }), () => sql.end());
}

/** Runs the 8-caller setState benchmark on PostgreSQL (database created and dropped). */
export async function benchSetStateConcurrent(pgUrl) {
  console.log(
    `\nsetState, ${CALLERS} callers at once: ${TRANSITIONS} transitions over ${CALLERS * RUNS_PER_CALLER} runs, pool of ${CALLERS} (PostgreSQL)`,
  );
  if (!pgUrl) return console.log('postgresql: skipped (set ORION_BENCH_POSTGRES_URL)');
  await withPostgresDatabase(pgUrl, 'states8', async (url) => {
    const lib = await library(url);
    const bare = await raw(url);
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
      // Rates of equal blocks combine as a harmonic mean (total work over total time).
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
        `${'postgresql'.padEnd(22)} library ${l.toFixed(0).padStart(6)}/s   raw driver ${r.toFixed(0).padStart(6)}/s   library at ${(l / r).toFixed(2)}x the raw speed`,
      );
    } finally {
      await lib.close();
      await bare.close();
    }
  });
}
