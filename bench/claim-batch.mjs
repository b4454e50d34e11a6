// One claim of 100 runs from the seeded table (1% of `scale` runs SCHEDULED and due, 10 queues),
// p50: db.workQueues.claimScheduledRuns (limits derived from run states, fairness per deployment,
// each run moved to PENDING with its state row, queues and deployments marked polled) against the
// raw driver claiming the same way a caller would write it by hand: pick the 100 due runs in
// priority order (FOR UPDATE SKIP LOCKED on PostgreSQL), insert their PENDING states and point the
// runs at them, in one transaction, without limit checks. After every claim
// (untimed) the claimed runs are put back to SCHEDULED, so every sample claims from the same backlog.
import { randomUUID } from 'node:crypto';
import { alternatingP50 } from './measure.mjs';
import { record } from './results.mjs';

const SAMPLES = Number(process.env.ORION_BENCH_CLAIM_SAMPLES ?? 20);
const BATCH = 100;
/** The raw side's clock: strictly increasing, so two claims of one run never share a timestamp. */
let last = 0;
const tick = () => {
  last = Math.max(Date.now(), last + 1);
  return last;
};

function sqliteSide(conn) {
  const pool = conn.prepare(`select id from work_pool where name = 'bench'`);
  const pick = conn.prepare(
    `select r.id from flow_run r join work_queue q on q.id = r.work_queue_id
     where q.work_pool_id = ? and r.state_type = 'SCHEDULED' and r.next_scheduled_start_time <= ?
     order by q.priority, r.next_scheduled_start_time, r.id limit ${BATCH}`,
  );
  const insert = conn.prepare(
    `insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details)
     values (?, ?, ?, ?, 'PENDING', 'Pending', ?, ?)`,
  );
  const update = conn.prepare(
    `update flow_run set state_id = ?, state_type = 'PENDING', state_name = 'Pending', state_timestamp = ?,
       next_scheduled_start_time = null, updated = ? where id = ?`,
  );
  const putBack = conn.prepare(
    `update flow_run set state_type = 'SCHEDULED', state_name = 'Scheduled',
       next_scheduled_start_time = expected_start_time where id in (select value from json_each(?))`,
  );
  return {
    claim: async () => {
      conn.exec('BEGIN IMMEDIATE');
      try {
        const now = tick();
        const runs = pick.all(pool.get().id, now);
        for (const r of runs) {
          const id = randomUUID();
          insert.run(id, now, now, r.id, now, JSON.stringify({ flowRunId: r.id }));
          update.run(id, now, now, r.id);
        }
        conn.exec('COMMIT');
        return runs.map((r) => r.id);
      } catch (e) {
        conn.exec('ROLLBACK');
        throw e;
      }
    },
    putBack: async (ids) => putBack.run(JSON.stringify(ids)),
  };
}

function postgresSide(sql) {
  return {
    claim: () =>
      sql.begin(async (tx) => {
        const now = new Date(tick());
        const [pool] = await tx`select id from work_pool where name = 'bench'`;
        const runs = await tx`
          select r.id from flow_run r join work_queue q on q.id = r.work_queue_id
          where q.work_pool_id = ${pool.id} and r.state_type = 'SCHEDULED' and r.next_scheduled_start_time <= ${now}
          order by q.priority, r.next_scheduled_start_time, r.id limit ${BATCH} for update of r skip locked`;
        const runIds = runs.map((r) => r.id);
        const stateIds = runs.map(() => randomUUID());
        await tx`
          insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details)
          select s.id, ${now}, ${now}, s.run_id, 'PENDING', 'Pending', ${now}, jsonb_build_object('flowRunId', s.run_id)
          from unnest(${runIds}::uuid[], ${stateIds}::uuid[]) as s(run_id, id)`;
        await tx`
          update flow_run r set state_id = s.id, state_type = 'PENDING', state_name = 'Pending',
            state_timestamp = ${now}, next_scheduled_start_time = null, updated = ${now}
          from unnest(${runIds}::uuid[], ${stateIds}::uuid[]) as s(run_id, id) where r.id = s.run_id`;
        return runIds;
      }),
    putBack: (ids) => sql`
      update flow_run set state_type = 'SCHEDULED', state_name = 'Scheduled',
        next_scheduled_start_time = expected_start_time where id = any(${ids}::uuid[])`,
  };
}

/** Runs the claim of 100 on one dialect; `ctx` as for bench/run-lists.mjs. */
export async function benchClaimBatch(ctx) {
  const raw = ctx.dialect === 'sqlite' ? sqliteSide(ctx.conn) : postgresSide(ctx.sql);
  const library = async () =>
    (await ctx.db.workQueues.claimScheduledRuns({ workPoolName: 'bench', limit: BATCH })).map((r) => r.id);
  const sizes = new Set();
  const p50 = await alternatingP50({
    samples: SAMPLES,
    library,
    raw: raw.claim,
    between: async (ids) => {
      sizes.add(ids.length);
      await raw.putBack(ids);
    },
  });
  if (sizes.size !== 1 || !sizes.has(Math.min(BATCH, Math.floor(ctx.scale / 100)))) {
    throw new Error(`claim-100: claims took ${[...sizes].join(', ')} runs`);
  }
  const r = record({ scenario: 'claim-100', dialect: ctx.dialect, scale: ctx.scale, ...p50, unit: 'ms p50' });
  console.log(
    `${'claim-100'.padEnd(20)} ${ctx.dialect.padEnd(10)} library p50 ${p50.library.toFixed(2)} ms   raw driver p50 ${p50.raw.toFixed(2)} ms   library at ${r.ratio.toFixed(2)}x the raw speed`,
  );
}
