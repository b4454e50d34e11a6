// schedule-10k: db.deployments.scheduleRuns writing 10,000 runs of a one-minute interval schedule
// (with their SCHEDULED states) in one call, next to the raw driver writing the same rows (the same
// columns, 500 runs a multi-row INSERT, the states, then each run's state id) in one transaction.
// The library also does what the raw side skips: the deployment's lock, the re-read of existing
// idempotency keys and the read-back of the runs it returns. Alternating trials, each into a fresh
// deployment; medians. Printed beside: the longest event-loop stall during each (a 1 ms interval's
// longest gap), the number a fresh user's trial found at 5-17 s when Drizzle built the INSERTs.
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';
import { uuidv7 } from '../dist/schema/uuid.js';
import { onBothDialects, withPostgresDatabase } from './dialects.mjs';
import { record } from './results.mjs';

const RUNS = 10_000;
const TRIALS = 3;
const PER_STATEMENT = 500;
const RUN_COLUMNS =
  'id, created, updated, name, state_type, state_name, state_timestamp, expected_start_time, next_scheduled_start_time, tags, labels, flow_id, deployment_id, deployment_version, work_queue_id, work_queue_name, parameters, idempotency_key, job_variables, auto_scheduled';
const STATE_COLUMNS = 'id, created, updated, flow_run_id, type, name, timestamp, state_details';

/** `rows` tuples of `width` placeholders. */
function tuples(rows, width, placeholder) {
  const out = [];
  let n = 0;
  for (let r = 0; r < rows; r++)
    out.push(`(${Array.from({ length: width }, () => placeholder(++n)).join(', ')})`);
  return out.join(', ');
}

/** The raw side's statements for one deployment's 10,000 runs, as [text, params] in order. */
function rawStatements(flowId, deploymentId, start, time, placeholder, bool) {
  const now = time(new Date());
  const out = [];
  for (let from = 0; from < RUNS; from += PER_STATEMENT) {
    const runs = [];
    const states = [];
    const ids = [];
    for (let i = from; i < Math.min(RUNS, from + PER_STATEMENT); i++) {
      const id = uuidv7();
      const at = new Date(start + i * 60_000);
      ids.push(id);
      runs.push(id, now, now, `raw-${i}`, 'SCHEDULED', 'Scheduled', now, time(at), time(at));
      runs.push('["etl","auto-scheduled"]', null, flowId, deploymentId, null, null, null);
      runs.push('{"region":"us"}', `raw ${deploymentId} ${at.toISOString()}`, '{}', bool(true));
      const details = JSON.stringify({ scheduledTime: at.toISOString(), flowRunId: id });
      states.push(uuidv7(), now, now, id, 'SCHEDULED', 'Scheduled', now, details);
    }
    const n = ids.length;
    out.push([`insert into flow_run (${RUN_COLUMNS}) values ${tuples(n, 20, placeholder)}`, runs]);
    out.push([`insert into flow_run_state (${STATE_COLUMNS}) values ${tuples(n, 8, placeholder)}`, states]);
    out.push([
      'update flow_run set state_id = (select s.id from flow_run_state s where s.flow_run_id = flow_run.id) where deployment_id = ' +
        `${placeholder(1)} and state_id is null`,
      [deploymentId],
    ]);
  }
  return out;
}

/** Wall time (ms) of `fn` and the longest gap (ms) a 1 ms interval saw while it ran. */
async function timed(fn) {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    stall = Math.max(stall, t - last);
    last = t;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  last = performance.now();
  stall = 0;
  const t0 = performance.now();
  await fn();
  const end = performance.now();
  clearInterval(timer);
  return { ms: end - t0, stall: Math.max(stall, end - last) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function compare(name, db, rawRun) {
  const flow = await db.flows.create({ name: 'schedule-bench' });
  const library = [];
  const raw = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const dep = await db.deployments.upsert({
      flowId: flow.id,
      name: `d${trial}`,
      parameters: { region: 'us' },
      tags: ['etl'],
      schedules: [{ schedule: { interval: 60 } }],
    });
    const start = new Date();
    const end = new Date(start.getTime() + 30 * 86_400_000);
    library.push(
      await timed(async () => {
        const runs = await db.deployments.scheduleRuns(dep.id, { start, end, max: RUNS });
        if (runs.length !== RUNS) throw new Error(`scheduleRuns wrote ${runs.length} runs, not ${RUNS}`);
      }),
    );
    raw.push(await timed(() => rawRun(flow.id, dep.id, start.getTime())));
  }
  const lib = { ms: median(library.map((x) => x.ms)), stall: median(library.map((x) => x.stall)) };
  const drv = { ms: median(raw.map((x) => x.ms)), stall: median(raw.map((x) => x.stall)) };
  const note = `longest event-loop stall (median of ${TRIALS}): library ${Math.round(lib.stall)} ms, raw ${Math.round(drv.stall)} ms`;
  record({
    scenario: 'schedule-10k',
    dialect: name,
    scale: RUNS,
    library: lib.ms,
    raw: drv.ms,
    unit: 'ms',
    note,
  });
  console.log(
    `${name.padEnd(12)} scheduleRuns ${Math.round(lib.ms)} ms (stall ${Math.round(lib.stall)} ms)   raw driver ${Math.round(drv.ms)} ms (stall ${Math.round(drv.stall)} ms)`,
  );
}

export async function benchSchedule(pgUrl) {
  await onBothDialects(
    '\n== schedule-10k: scheduleRuns of 10,000 runs vs the raw driver ==',
    pgUrl,
    async (dir) => {
      const path = `${dir}/schedule.db`;
      const db = await createDatabase({ url: `sqlite:///${path}` });
      const raw = new Sqlite(path);
      raw.pragma('busy_timeout = 10000');
      try {
        await compare('sqlite', db, async (flowId, deploymentId, start) => {
          const statements = rawStatements(
            flowId,
            deploymentId,
            start,
            (d) => d.getTime(),
            () => '?',
            (b) => (b ? 1 : 0),
          );
          raw.transaction(() => {
            for (const [text, params] of statements) raw.prepare(text).run(...params);
          })();
        });
      } finally {
        raw.close();
        await db.close();
      }
    },
    (url) =>
      withPostgresDatabase(url, 'schedule', async (dbUrl) => {
        const db = await createDatabase({ url: dbUrl });
        const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
        try {
          await compare('postgresql', db, async (flowId, deploymentId, start) => {
            const statements = rawStatements(
              flowId,
              deploymentId,
              start,
              (d) => d.toISOString(),
              (n) => `$${n}`,
              (b) => b,
            );
            await sql.begin(async (tx) => {
              for (const [text, params] of statements) await tx.unsafe(text, params);
            });
          });
        } finally {
          await sql.end();
          await db.close();
        }
      }),
  );
}
