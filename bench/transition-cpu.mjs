// µs of Node CPU per state transition (issue 13, "Node CPU per transition ≤ 2× the raw driver's"):
// `flowRuns.setState` and `taskRuns.setState` of one or two builds against the raw driver doing the
// `set-state` scenario's flow-run work (bench/set-state.mjs: BEGIN, locked read, INSERT, UPDATE,
// COMMIT; the reference for task runs too), all in one process, in alternating blocks, so that
// load falls on every side.
//   node bench/transition-cpu.mjs [dist-a/index.js [dist-b/index.js]]   (default: this checkout's dist)
// ORION_BENCH_BLOCKS (default 12) blocks of ORION_BENCH_BLOCK (default 200) transitions per side,
// after one unmeasured block each; prints the median of the blocks. SQLite: one file per side;
// PostgreSQL (ORION_BENCH_POSTGRES_URL): one database, created and dropped here. The CPU is the
// whole process's (user + system): on PostgreSQL that is the driver's and the library's JavaScript,
// not the server's. Not part of `npm run bench`.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import {
  postgresRawSeed,
  postgresRawTransition,
  sqliteRawConnection,
  sqliteRawSeed,
  sqliteRawTransition,
} from './set-state.mjs';

const BLOCKS = Number(process.env.ORION_BENCH_BLOCKS ?? 12);
const BLOCK = Number(process.env.ORION_BENCH_BLOCK ?? 200);
const RUNS = 100;
const CYCLE = ['PENDING', 'RUNNING', 'COMPLETED', 'SCHEDULED'];
const PG = process.env.ORION_BENCH_POSTGRES_URL;
const typeAt = (i) => CYCLE[Math.floor(i / RUNS) % CYCLE.length];
const dists = process.argv.slice(2);
const builds = [];
for (const dist of dists.length ? dists : ['@orion/db']) {
  const entry = dist.startsWith('@') ? dist : pathToFileURL(resolve(dist)).href;
  builds.push({ name: dist, module: await import(entry) });
}

/** A side: `step(i)` makes transition i; `setup()` seeds it. */
function librarySide(name, createDatabase, url, kind) {
  let db;
  let ids;
  return {
    name,
    async setup() {
      db = await createDatabase({ url });
      await db.migrate();
      const flow = await db.flows.create({ name: `cpu-${randomUUID()}` });
      const flowRuns = [];
      for (let i = 0; i < RUNS; i++) flowRuns.push((await db.flowRuns.create({ flowId: flow.id })).id);
      if (kind === 'flow') ids = flowRuns;
      else {
        ids = [];
        for (let i = 0; i < RUNS; i++) {
          const t = await db.taskRuns.create({ flowRunId: flowRuns[0], taskKey: 'k', dynamicKey: `${i}` });
          ids.push(t.id);
        }
      }
    },
    step: (i) => (kind === 'flow' ? db.flowRuns : db.taskRuns).setState(ids[i % RUNS], { type: typeAt(i) }),
    close: () => db.close(),
  };
}

function sqliteRawSide(file) {
  let conn;
  let runs;
  let transition;
  return {
    name: 'raw driver',
    async setup() {
      conn = sqliteRawConnection(file);
      runs = sqliteRawSeed(conn);
      transition = sqliteRawTransition(conn, { changedOnly: true });
    },
    step: (i) => transition(runs[i % RUNS], typeAt(i)),
    close: () => conn.close(),
  };
}

function postgresRawSide(url) {
  let sql;
  let runs;
  let transition;
  return {
    name: 'raw driver',
    async setup() {
      sql = postgres(url, { max: 1, onnotice: () => {} });
      runs = await postgresRawSeed(sql);
      transition = postgresRawTransition(sql, { changedOnly: true });
    },
    step: (i) => transition(runs[i % RUNS], typeAt(i)),
    close: () => sql.end(),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Alternating blocks over `sides`; µs of CPU and of wall time per transition (medians). */
async function measure(sides) {
  for (const side of sides) await side.setup();
  const at = new Map(sides.map((s) => [s, 0]));
  const samples = new Map(sides.map((s) => [s, { cpu: [], wall: [] }]));
  for (let b = -1; b < BLOCKS; b++) {
    // Each round in another order, so no side always follows the same one.
    const order = b % 2 ? sides : [...sides].reverse();
    for (const side of order) {
      const from = at.get(side);
      const cpu = process.cpuUsage();
      const t = performance.now();
      for (let i = from; i < from + BLOCK; i++) await side.step(i);
      const wall = ((performance.now() - t) * 1000) / BLOCK;
      const used = process.cpuUsage(cpu);
      at.set(side, from + BLOCK);
      if (b < 0) continue;
      samples.get(side).cpu.push((used.user + used.system) / BLOCK);
      samples.get(side).wall.push(wall);
    }
  }
  for (const side of sides) await side.close();
  return sides.map((s) => ({
    name: s.name,
    cpu: median(samples.get(s).cpu),
    wall: median(samples.get(s).wall),
  }));
}

function print(title, rows) {
  // The reference for both kinds: the set-state scenario's flow-run transaction.
  const raw = rows.find((r) => r.name === 'raw driver');
  console.log(`\n${title} (µs per transition, medians of ${BLOCKS} blocks of ${BLOCK})`);
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(40)} CPU ${r.cpu.toFixed(0).padStart(5)}  (${(r.cpu / raw.cpu).toFixed(2)}x raw)   wall ${r.wall.toFixed(0).padStart(6)}`,
    );
  }
}

// ORION_BENCH_DIR=/dev/shm puts the SQLite files on tmpfs: CPU without the disk's waits.
const dir = mkdtempSync(join(process.env.ORION_BENCH_DIR ?? tmpdir(), 'orion-transition-cpu-'));
try {
  for (const kind of ['flow', 'task']) {
    const sides = builds.map((b, n) =>
      librarySide(`${b.name} ${kind}Runs`, b.module.createDatabase, join(dir, `${kind}-${n}.db`), kind),
    );
    // The raw side on a file of its own (migrated by the first build), so no build shares its WAL.
    const rawFile = join(dir, `${kind}-raw.db`);
    const seed = await builds[0].module.createDatabase({ url: rawFile });
    await seed.migrate();
    await seed.close();
    sides.push(sqliteRawSide(rawFile));
    print(`sqlite ${kind} runs`, await measure(sides));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (PG) {
  const name = `transition_cpu_${process.pid}`;
  const admin = postgres(PG, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  try {
    for (const kind of ['flow', 'task']) {
      const sides = builds.map((b) =>
        librarySide(`${b.name} ${kind}Runs`, b.module.createDatabase, url.href, kind),
      );
      sides.push(postgresRawSide(url.href));
      print(`postgresql ${kind} runs`, await measure(sides));
    }
  } finally {
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}
