import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, DatabaseError, createDatabase } from '../../src/index.js';
import { type DrainResult, drain, seedWork } from '../support/claim-worker.js';
import { postgresIsServer } from '../support/dialects.js';
import { raceChildren, withPostgresHandles } from '../support/race.js';

const serverAvailable = await postgresIsServer();

/** Every run claimed exactly once, each history with exactly one PENDING, no limit ever exceeded. */
async function verify(db: Database, results: DrainResult[], total: number) {
  const claimed = results.flatMap((r) => r.claimed);
  expect(results.flatMap((r) => r.violations)).toEqual([]);
  expect(claimed).toHaveLength(total);
  expect(new Set(claimed).size).toBe(total);
  expect(await db.flowRuns.count({ where: { state: { type: { any: ['COMPLETED'] } } } })).toBe(total);
  const pendings = await db.execute<{ n: number | string }>(
    `select count(*) as n from flow_run_state where type = 'PENDING'`,
  );
  expect(Number(pendings[0]!.n)).toBe(total);
}

describe.runIf(serverAvailable)('claim race on PostgreSQL', () => {
  it('16 claimers on their own connections drain 5,000 runs over 3 pools and 6 queues within every limit', async () => {
    await withPostgresHandles(16, async (db, handles) => {
      const RUNS = 5000;
      const { flowId, queueIds, deploymentIds } = await seedWork(db, RUNS);
      // Bulk seed: SCHEDULED runs (70% in a limited deployment), their states, and the run → state link.
      await db.execute(sql`
      insert into flow_run (id, created, updated, name, flow_id, deployment_id, work_queue_id, state_type, state_name,
                            state_timestamp, expected_start_time, next_scheduled_start_time)
      select gen_random_uuid(), now(), now(), 'run-' || i, ${flowId}::uuid,
             case when i % 10 < 7 then (${sql.raw(`array[${deploymentIds.map((d) => `'${d}'`).join(',')}]`)}::uuid[])[i % 5 + 1] end,
             (${sql.raw(`array[${queueIds.map((q) => `'${q}'`).join(',')}]`)}::uuid[])[i % 6 + 1],
             'SCHEDULED', 'Scheduled', now() - interval '1 hour', now() - interval '1 hour' + i * interval '1 ms',
             now() - interval '1 hour' + i * interval '1 ms'
      from generate_series(1, ${RUNS}) as i`);
      await db.execute(`
      insert into flow_run_state (id, created, updated, flow_run_id, type, name, timestamp, state_details)
      select gen_random_uuid(), now(), now(), id, 'SCHEDULED', 'Scheduled', state_timestamp,
             jsonb_build_object('scheduledTime', to_char(next_scheduled_start_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'flowRunId', id)
      from flow_run`);
      await db.execute(
        'update flow_run set state_id = s.id from flow_run_state s where s.flow_run_id = flow_run.id',
      );
      const results = await Promise.all(handles.map((h, i) => drain(h, `pool-${i % 3}`, `worker-${i}`)));
      await verify(db, results, RUNS);
    });
  }, 600_000);

  it('8 claimers drain 1,000 runs of a pool without limits, which they claim without taking turns on its row', async () => {
    await withPostgresHandles(8, async (db, handles) => {
      const RUNS = 1000;
      const flow = await db.flows.create({ name: 'free' });
      await db.workPools.create({ name: 'free' });
      const queueIds = [
        (await db.workQueues.getByName('free', 'default'))!.id,
        (await db.workQueues.create({ workPoolName: 'free', name: 'second' })).id,
      ];
      await db.transaction(async (tx) => {
        for (let i = 0; i < RUNS; i++) {
          await tx.flowRuns.create({
            flowId: flow.id,
            workQueueId: queueIds[i % 2],
            state: {
              type: 'SCHEDULED',
              stateDetails: { scheduledTime: new Date(Date.now() - 3_600_000 + i).toISOString() },
            },
          });
        }
      });
      const results = await Promise.all(handles.map((h, i) => drain(h, 'free', `worker-${i}`)));
      await verify(db, results, RUNS);
    });
  }, 600_000);

  it('locks the pool row only where a pool or queue limit is counted', async () => {
    await withPostgresHandles(1, async (db) => {
      const flow = await db.flows.create({ name: 'free' });
      await db.workPools.create({ name: 'free' });
      const queue = (await db.workQueues.getByName('free', 'default'))!;
      for (let i = 0; i < 4; i++) {
        await db.flowRuns.create({
          flowId: flow.id,
          workQueueId: queue.id,
          state: {
            type: 'SCHEDULED',
            stateDetails: { scheduledTime: new Date(Date.now() - 60_000).toISOString() },
          },
        });
      }
      // A claimer whose statements give up after a second.
      const claimer = await createDatabase({
        url: db.settings.url,
        poolSize: 1,
        migrateOnOpen: false,
        timeoutSeconds: 1,
      });
      try {
        const whileLocked = (fn: () => Promise<unknown>) =>
          db.transaction(async (tx) => {
            await tx.execute(`select 1 from work_pool where name = 'free' for update`);
            return fn();
          });
        // No limits: the claim does not wait for the pool row.
        const claimed = (await whileLocked(() =>
          claimer.workQueues.claimScheduledRuns({ workPoolName: 'free', limit: 1 }),
        )) as unknown[];
        expect(claimed).toHaveLength(1);
        // A queue limit is counted under the pool's lock: the claim waits for it (here, times out).
        await db.workQueues.update(queue.id, { concurrencyLimit: 10 });
        const refused = await whileLocked(() =>
          claimer.workQueues.claimScheduledRuns({ workPoolName: 'free', limit: 1 }).then(
            () => undefined,
            (error: unknown) => error,
          ),
        );
        expect(refused).toBeInstanceOf(DatabaseError);
        expect((refused as DatabaseError).retryable).toBe(true);
      } finally {
        await claimer.close();
      }
    });
  }, 120_000);
});

describe('claim race on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-claim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('4 processes on one file drain 2,000 runs: no run twice, no "database is locked"', async () => {
    const url = join(dir, 'claims.db');
    const RUNS = 2000;
    const db = await createDatabase({ url });
    try {
      const { flowId, queueIds, deploymentIds } = await seedWork(db, RUNS);
      await db.transaction(async (tx) => {
        for (let i = 0; i < RUNS; i++) {
          await tx.flowRuns.create({
            flowId,
            workQueueId: queueIds[i % 6],
            deploymentId: i % 10 < 7 ? deploymentIds[i % 5] : null,
            state: {
              type: 'SCHEDULED',
              stateDetails: { scheduledTime: new Date(Date.now() - 3_600_000 + i).toISOString() },
            },
          });
        }
      });
      const results = await raceChildren<DrainResult>(
        'test/fixtures/claim-child.ts',
        [0, 1, 2, 0].map((pool, i) => [url, `pool-${pool}`, `worker-${i}`]),
      );
      await verify(db, results, RUNS);
    } finally {
      await db.close();
    }
  }, 600_000);
});
