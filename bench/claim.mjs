// Claims per second: db.workQueues.claimScheduledRuns (limits derived from run states, SKIP LOCKED
// candidates, each claimed run moved to PENDING with its state row) against a raw-driver claim of
// the same shape (SKIP LOCKED candidates, state rows, run update) without limit bookkeeping. The
// bench's pool has no limit, so neither side locks the pool row (the library locks it only where a
// pool or queue limit is counted; docs/work.md). PostgreSQL: 1 and 16 claimers; SQLite: 1 claimer. Batches of 10. On PostgreSQL the
// peer, pg-boss, drains as many jobs with as many claimers (fetch 10 + complete) in the database the
// library used (schema pgboss), in the same run (bench/pg-boss.mjs).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';
import { drainPgBoss } from './pg-boss.mjs';
import { record } from './results.mjs';

const RUNS = Number(process.env.ORION_BENCH_CLAIM_RUNS ?? 4000);
const BATCH = 10;

async function seed(db) {
  const flow = await db.flows.create({ name: `claim-${randomUUID()}` });
  await db.workPools.create({ name: 'bench' });
  const queues = [
    (await db.workQueues.getByName('bench', 'default')).id,
    (await db.workQueues.create({ workPoolName: 'bench', name: 'second' })).id,
  ];
  await db.transaction(async (tx) => {
    for (let i = 0; i < RUNS; i++) {
      await tx.flowRuns.create({
        flowId: flow.id,
        workQueueId: queues[i % 2],
        state: {
          type: 'SCHEDULED',
          stateDetails: { scheduledTime: new Date(Date.now() - 3_600_000 + i).toISOString() },
        },
      });
    }
  });
}

async function drainLibrary(handles) {
  const start = performance.now();
  let total = 0;
  await Promise.all(
    handles.map(async (db) => {
      for (;;) {
        const runs = await db.workQueues.claimScheduledRuns({ workPoolName: 'bench', limit: BATCH });
        if (runs.length === 0) return;
        total += runs.length;
      }
    }),
  );
  if (total !== RUNS) throw new Error(`claimed ${total} of ${RUNS}`);
  return total / ((performance.now() - start) / 1000);
}

async function drainPostgresRaw(url, claimers) {
  const clients = Array.from({ length: claimers }, () => postgres(url, { max: 1, onnotice: () => {} }));
  const start = performance.now();
  let total = 0;
  await Promise.all(
    clients.map(async (sql) => {
      for (;;) {
        const n = await sql.begin(async (tx) => {
          const [pool] = await tx`select id from work_pool where name = 'bench'`;
          const runs =
            await tx`select r.id, r.state_timestamp from flow_run r join work_queue q on q.id = r.work_queue_id
            where q.work_pool_id = ${pool.id} and r.state_type = 'SCHEDULED' and r.next_scheduled_start_time <= now()
            order by q.priority, r.next_scheduled_start_time, r.id limit ${BATCH} for update of r skip locked`;
          if (runs.length === 0) return 0;
          const now = new Date();
          const states = runs.map((r) => ({ id: randomUUID(), run: r.id }));
          for (const s of states) {
            await tx`insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details)
              values (${s.id}, ${now}, ${now}, ${s.run}, 'PENDING', 'Pending', ${now}, ${tx.json({ flowRunId: s.run })})`;
            await tx`update flow_run set state_id = ${s.id}, state_type = 'PENDING', state_name = 'Pending', state_timestamp = ${now},
              next_scheduled_start_time = null, updated = ${now} where id = ${s.run}`;
          }
          return runs.length;
        });
        if (n === 0) return;
        total += n;
      }
    }),
  );
  const rate = total / ((performance.now() - start) / 1000);
  await Promise.all(clients.map((c) => c.end()));
  if (total !== RUNS) throw new Error(`raw claimed ${total} of ${RUNS}`);
  return rate;
}

function drainSqliteRaw(file) {
  const conn = new Sqlite(file);
  conn.pragma('busy_timeout = 10000');
  const pick =
    conn.prepare(`select r.id from flow_run r join work_queue q on q.id = r.work_queue_id join work_pool p on p.id = q.work_pool_id
    where p.name = 'bench' and r.state_type = 'SCHEDULED' and r.next_scheduled_start_time <= ?
    order by q.priority, r.next_scheduled_start_time, r.id limit ${BATCH}`);
  const insert =
    conn.prepare(`insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details)
    values (?, ?, ?, ?, 'PENDING', 'Pending', ?, ?)`);
  const update =
    conn.prepare(`update flow_run set state_id = ?, state_type = 'PENDING', state_name = 'Pending', state_timestamp = ?,
    next_scheduled_start_time = null, updated = ? where id = ?`);
  const start = performance.now();
  let total = 0;
  for (;;) {
    conn.exec('BEGIN IMMEDIATE');
    const now = Date.now();
    const runs = pick.all(now);
    for (const r of runs) {
      const id = randomUUID();
      insert.run(id, now, now, r.id, now, JSON.stringify({ flowRunId: r.id }));
      update.run(id, now, now, r.id);
    }
    conn.exec('COMMIT');
    if (runs.length === 0) break;
    total += runs.length;
  }
  conn.close();
  if (total !== RUNS) throw new Error(`raw claimed ${total} of ${RUNS}`);
  return total / ((performance.now() - start) / 1000);
}

function report(name, library, raw, peer) {
  record({
    scenario: `claim-drain-${name.match(/\d+/)[0]}`,
    dialect: name.split(',')[0],
    scale: RUNS,
    library,
    raw,
    unit: 'runs/s',
    peer: peer && { name: 'pg-boss', value: peer },
  });
  console.log(
    `${name.padEnd(26)} library ${library.toFixed(0).padStart(6)} runs/s   raw driver ${raw.toFixed(0).padStart(6)} runs/s   library at ${(library / raw).toFixed(2)}x the raw speed${peer ? `   pg-boss ${peer.toFixed(0)} jobs/s` : ''}`,
  );
}

/** Seeds RUNS scheduled runs twice per case (one set for the library, one for the raw driver). */
export async function benchClaim(pgUrl) {
  console.log(
    `\nclaimScheduledRuns: ${RUNS} scheduled runs in one pool (2 queues, no limits), batches of ${BATCH}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'orion-bench-'));
  try {
    const libFile = join(dir, 'lib.db');
    const rawFile = join(dir, 'raw.db');
    const lib = await createDatabase({ url: libFile });
    await seed(lib);
    const libraryRate = await drainLibrary([lib]);
    await lib.close();
    const raw = await createDatabase({ url: rawFile });
    await seed(raw);
    await raw.close();
    report('sqlite, 1 claimer', libraryRate, drainSqliteRaw(rawFile));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!pgUrl) return console.log('postgresql: skipped (set ORION_BENCH_POSTGRES_URL)');
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  try {
    for (const claimers of [1, 16]) {
      const rates = [];
      let peer;
      for (const kind of ['lib', 'raw']) {
        const name = `orion_bench_claim_${kind}_${claimers}_${process.pid}`;
        await admin.unsafe(`create database ${name}`);
        const target = new URL(pgUrl);
        target.pathname = `/${name}`;
        try {
          const db = await createDatabase({ url: target.toString() });
          await seed(db);
          if (kind === 'lib') {
            const handles = [db];
            for (let i = 1; i < claimers; i++)
              handles.push(
                await createDatabase({ url: target.toString(), poolSize: 1, migrateOnOpen: false }),
              );
            rates.push(await drainLibrary(handles));
            await Promise.all(handles.map((h) => h.close()));
            peer = await drainPgBoss(target.toString(), { jobs: RUNS, claimers, batchSize: BATCH });
          } else {
            await db.close();
            rates.push(await drainPostgresRaw(target.toString(), claimers));
          }
        } finally {
          await admin.unsafe(`drop database ${name} with (force)`);
        }
      }
      report(`postgresql, ${claimers} claimer${claimers > 1 ? 's' : ''}`, rates[0], rates[1], peer);
    }
  } finally {
    await admin.end();
  }
}
