// µs of process CPU per call for the library's per-call path (issue 13): a read on `db`, the same
// read on `tx` inside one transaction, and the two state transitions, on in-memory and file SQLite.
// node bench/cpu-per-call.mjs [path/to/dist/index.js]  (default: this checkout's dist; run
// `npm run build` first). Not part of `npm run bench`: it prints CPU time, for A/B runs of the layer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2] ? pathToFileURL(process.argv[2]).href : '@orion/db';
const { createDatabase } = await import(entry);
const N = Number(process.env.ORION_BENCH_CALLS ?? 4000);
const CYCLE = ['PENDING', 'RUNNING', 'COMPLETED', 'SCHEDULED'];

/** µs of CPU (user + system) per call of `once(i)`, over `n` calls after a warm-up. */
async function cpuPerCall(once, n = N) {
  for (let i = 0; i < 2000; i++) await once(i);
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await once(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

async function measure(url) {
  const db = await createDatabase({ url });
  await db.migrate();
  const flow = await db.flows.create({ name: 'cpu' });
  const run = await db.flowRuns.create({ flowId: flow.id });
  const task = await db.taskRuns.create({ flowRunId: run.id, taskKey: 'k', dynamicKey: '0' });
  const out = {};
  out['db.flows.get'] = await cpuPerCall(() => db.flows.get(flow.id));
  out['tx.flows.get'] = await db.transaction(async (tx) => cpuPerCall(() => tx.flows.get(flow.id)));
  out['db.flowRuns.setState'] = await cpuPerCall((i) =>
    db.flowRuns.setState(run.id, { type: CYCLE[i % CYCLE.length] }),
  );
  out['db.taskRuns.setState'] = await cpuPerCall((i) =>
    db.taskRuns.setState(task.id, { type: CYCLE[i % CYCLE.length] }),
  );
  await db.close();
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'orion-cpu-'));
try {
  const rows = { memory: await measure(':memory:'), file: await measure(join(dir, 'db.sqlite')) };
  for (const [where, r] of Object.entries(rows)) {
    console.log(
      `${where.padEnd(7)} ${Object.entries(r)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join('  ')}  (µs CPU/call)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
