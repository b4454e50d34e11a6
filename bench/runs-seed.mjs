// Seeds `scale` flow runs and `scale` task runs by bulk paths, for the run scenarios (bench/runs.mjs):
// PostgreSQL: one INSERT … SELECT over generate_series per table; SQLite: one prepared INSERT run
// per row in one transaction. The pool, its 10 queues and 100 deployments go through the library.
//
// Flow run i (ids `00000000-0000-7000-8000-<i in hex>`, so id order is i order):
//   i % 100 == 0  SCHEDULED, due (1% of the runs, spread over the 10 queues)
//   i % 100 == 1  RUNNING;  2..6: FAILED (5%); the rest COMPLETED
//   deployment (i / 100) % 100, in that deployment's queue; name `<adjective>-<animal>` (1,000
//   pairs, so one pair matches 0.1% of the runs); start times one second apart, in the past.
// Task run i belongs to flow run i and is COMPLETED.
import Sqlite from 'better-sqlite3';

export const QUEUES = 10;
export const DEPLOYMENTS = 100;
const ADJECTIVES = ['amber', 'brave', 'calm', 'dapper', 'eager', 'fancy', 'gentle', 'happy', 'icy', 'jolly'];
const MORE_ADJECTIVES = [
  'keen',
  'lucky',
  'merry',
  'nimble',
  'olive',
  'proud',
  'quiet',
  'rapid',
  'shy',
  'tidy',
];
const ANIMALS = Array.from(
  { length: 50 },
  (_, i) => `${['otter', 'lynx', 'heron', 'bison', 'koala'][i % 5]}${i}`,
);
const WORDS = { adjectives: [...ADJECTIVES, ...MORE_ADJECTIVES], animals: ANIMALS };
/** A name the search scenario looks for, in another case than stored: 0.1% of the runs. */
export const SEARCH_TERM = 'Brave-Otter10';

const runId = (i) => `00000000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;

/** Creates the flow, the pool with QUEUES queues (priorities 1..10) and DEPLOYMENTS deployments. */
async function seedWork(db) {
  const flow = await db.flows.create({ name: 'bench' });
  await db.workPools.create({ name: 'bench' });
  const queues = [(await db.workQueues.getByName('bench', 'default')).id];
  for (let q = 1; q < QUEUES; q++) {
    queues.push((await db.workQueues.create({ workPoolName: 'bench', name: `q${q}`, priority: q + 1 })).id);
  }
  const deployments = [];
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const queueName = d % QUEUES === 0 ? 'default' : `q${d % QUEUES}`;
    const dep = await db.deployments.upsert({
      flowId: flow.id,
      name: `d${d}`,
      workPoolName: 'bench',
      workQueueName: queueName,
    });
    deployments.push({ id: dep.id, queueId: queues[d % QUEUES], queueName });
  }
  return { flowId: flow.id, queues, deployments };
}

/** The start of the seeded history: one second per run before an hour ago, so every run is past. */
const historyStart = (scale) => Math.floor((Date.now() - 3_600_000 - scale * 1000) / 1000) * 1000;

/**
 * Seeds a SQLite file (the library handle `db` open on it): the work objects through the library,
 * then the runs with one prepared INSERT per table in one transaction each.
 */
export async function seedSqlite(db, file, scale) {
  const work = await seedWork(db);
  const conn = new Sqlite(file);
  conn.pragma('busy_timeout = 10000');
  const t0 = historyStart(scale);
  const flowRun = conn.prepare(
    `insert into flow_run (id, created, updated, name, state_type, state_name, state_timestamp,
       expected_start_time, next_scheduled_start_time, start_time, end_time, flow_id, deployment_id,
       work_queue_id, work_queue_name)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  conn.transaction(() => {
    for (let i = 0; i < scale; i++) {
      const r = shape(i, t0);
      const d = work.deployments[Math.floor(i / 100) % DEPLOYMENTS];
      flowRun.run(
        runId(i),
        r.start,
        r.start,
        r.name,
        r.type,
        r.stateName,
        r.start,
        r.start,
        r.scheduled ? r.start : null,
        r.scheduled ? null : r.start,
        r.end,
        work.flowId,
        d.id,
        d.queueId,
        d.queueName,
      );
    }
  })();
  const taskRun = conn.prepare(
    `insert into task_run (id, created, updated, name, state_type, state_name, state_timestamp,
       start_time, end_time, expected_start_time, flow_run_id, task_key, dynamic_key)
     values (?, ?, ?, 'task', 'COMPLETED', 'Completed', ?, ?, ?, ?, ?, 'task', ?)`,
  );
  conn.transaction(() => {
    for (let i = 0; i < scale; i++) {
      const t = t0 + i * 1000;
      taskRun.run(runId(i).replace('-7000-', '-7001-'), t, t, t, t, t + 500, t, runId(i), String(i));
    }
  })();
  conn.exec('analyze');
  conn.close();
  return work;
}

/** Flow run i's state, name and times, as SQLite stores them (ms); PostgreSQL's SQL says the same. */
function shape(i, t0) {
  const k = i % 100;
  const start = t0 + i * 1000;
  const type = k === 0 ? 'SCHEDULED' : k === 1 ? 'RUNNING' : k <= 6 ? 'FAILED' : 'COMPLETED';
  const terminal = k > 1;
  return {
    type,
    stateName: type[0] + type.slice(1).toLowerCase(),
    scheduled: k === 0,
    start,
    end: terminal ? start + 500 : null,
    name: `${WORDS.adjectives[i % 20]}-${WORDS.animals[Math.floor(i / 20) % 50]}`,
  };
}

/**
 * Seeds a PostgreSQL database (`db` the library handle on it, `sql` a postgres.js client): the work
 * objects through the library, then one INSERT … SELECT over generate_series per table.
 */
export async function seedPostgres(db, sql, scale) {
  const work = await seedWork(db);
  const t0 = new Date(historyStart(scale));
  const deps = work.deployments;
  await sql.begin(async (tx) => {
    await tx`set local statement_timeout = 0`;
    await tx`
      insert into flow_run (id, created, updated, name, state_type, state_name, state_timestamp,
        expected_start_time, next_scheduled_start_time, start_time, end_time, flow_id, deployment_id,
        work_queue_id, work_queue_name)
      select ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, t, t,
        (${WORDS.adjectives}::text[])[1 + i % 20] || '-' || (${WORDS.animals}::text[])[1 + (i / 20) % 50],
        s.type, initcap(s.type), t, t,
        case when s.type = 'SCHEDULED' then t end, case when s.type <> 'SCHEDULED' then t end,
        case when s.type not in ('SCHEDULED', 'RUNNING') then t + interval '500 ms' end,
        ${work.flowId}::uuid, (${deps.map((d) => d.id)}::uuid[])[1 + (i / 100) % ${DEPLOYMENTS}],
        (${deps.map((d) => d.queueId)}::uuid[])[1 + (i / 100) % ${DEPLOYMENTS}],
        (${deps.map((d) => d.queueName)}::text[])[1 + (i / 100) % ${DEPLOYMENTS}]
      from generate_series(0, ${scale - 1}) as i,
        lateral (select ${t0}::timestamptz + i * interval '1 second' as t,
          case when i % 100 = 0 then 'SCHEDULED' when i % 100 = 1 then 'RUNNING'
               when i % 100 <= 6 then 'FAILED' else 'COMPLETED' end as type) as s`;
    await tx`
      insert into task_run (id, created, updated, name, state_type, state_name, state_timestamp,
        start_time, end_time, expected_start_time, flow_run_id, task_key, dynamic_key)
      select ('00000000-0000-7001-8000-' || lpad(to_hex(i), 12, '0'))::uuid, t, t, 'task', 'COMPLETED',
        'Completed', t, t, t + interval '500 ms', t,
        ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'task', i::text
      from generate_series(0, ${scale - 1}) as i,
        lateral (select ${t0}::timestamptz + i * interval '1 second' as t) as s`;
  });
  await sql`vacuum analyze flow_run`;
  await sql`vacuum analyze task_run`;
  // The seeding leaves gigabytes of dirty pages that a spread checkpoint may write out during the
  // next minutes, under the timed reads (the third 1M run of 2026-12-01: lists 2.9–3.7 ms and name
  // search 24 ms p50, against 2.0 and 14.7–16.0 in the two runs before). Written out here, as the
  // createTestDatabase scenario does: the scenarios time their own work, not the seeding's flush.
  // CHECKPOINT needs a superuser (or pg_checkpoint); without one the run goes on as before.
  await sql`checkpoint`.catch(() => {});
  return work;
}
