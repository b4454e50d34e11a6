/**
 * Concurrent claims where nothing makes claimers take turns (no pool or queue limit): each claim
 * locks only the runs it takes, so a claim running beside another still fills its batch while runs
 * are due. A fresh user's trial found `5+0 2+5 0+5 …` for two claims of 5 from 100 due runs on
 * PostgreSQL: each claim locked its candidates' slack too (25 rows for a claim of 5), and the other
 * claim's candidates were exactly those rows, all skipped.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { withHandles } from '../support/race.js';

type DeploymentKind = 'none' | 'unlimited' | 'limited';

interface Scene {
  queues: number;
  runsPerQueue: number;
  kind: DeploymentKind;
  claimers: number;
  batch: number;
}

describe.each(DIALECTS)('concurrent claims without pool or queue limits (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  let pools = 0;
  /** A pool of `queues` queues, each with `runsPerQueue` due runs of the kind of deployment asked. */
  async function seed(s: Pick<Scene, 'queues' | 'runsPerQueue' | 'kind'>): Promise<string> {
    const name = `p${pools++}`;
    const flow = await db.flows.create({ name: `f-${name}` });
    const pool = await db.workPools.create({ name });
    const queueIds = [pool.defaultQueueId!];
    for (let i = 1; i < s.queues; i++)
      queueIds.push((await db.workQueues.create({ workPoolName: name, name: `q${i}` })).id);
    const deploymentId =
      s.kind === 'none'
        ? undefined
        : (
            await db.deployments.upsert({
              flowId: flow.id,
              name: `d-${name}`,
              workPoolName: name,
              // Far more room than any claim here takes: the limit is counted, never reached.
              ...(s.kind === 'limited' ? { concurrencyLimit: 100_000 } : {}),
            })
          ).id;
    const due = new Date(Date.now() - 60_000).toISOString();
    await db.transaction(async (tx) => {
      for (const workQueueId of queueIds) {
        for (let i = 0; i < s.runsPerQueue; i++) {
          await tx.flowRuns.create({
            flowId: flow.id,
            workQueueId,
            ...(deploymentId ? { deploymentId } : {}),
            state: { type: 'SCHEDULED', stateDetails: { scheduledTime: due } },
          });
        }
      }
    });
    return name;
  }

  /** Claims of `batch` started together, round after round, until the pool has no due run. */
  async function drainTogether(pool: string, claimers: number, batch: number, total: number) {
    const seen = new Set<string>();
    for (let round = 0; seen.size < total; round++) {
      const left = total - seen.size;
      const claims = await Promise.all(
        Array.from({ length: claimers }, () =>
          db.workQueues.claimScheduledRuns({ workPoolName: pool, limit: batch }),
        ),
      );
      const sizes = claims.map((c) => c.length);
      // While runs are due every claim fills its batch; the last round shares what is left.
      const sum = sizes.reduce((a, b) => a + b, 0);
      expect(sum, `round ${round}: ${sizes.join('+')} with ${left} due`).toBe(
        Math.min(left, claimers * batch),
      );
      if (left >= claimers * batch) expect(sizes).toEqual(Array(claimers).fill(batch));
      for (const run of claims.flat()) {
        expect(seen.has(run.id)).toBe(false);
        seen.add(run.id);
      }
    }
    return seen.size;
  }

  it('two claims of 5 started together from 100 due runs get 5 each, every round (the trial case)', async () => {
    for (const kind of ['none', 'unlimited', 'limited'] as const) {
      const pool = await seed({ queues: 1, runsPerQueue: 100, kind });
      expect(await drainTogether(pool, 2, 5, 100)).toBe(100);
    }
  });

  it('ten claims of 3 on one handle, over three queues, each fill their batch', async () => {
    const pool = await seed({ queues: 3, runsPerQueue: 40, kind: 'none' });
    expect(await drainTogether(pool, 10, 3, 120)).toBe(120);
  });

  it('property: any number of claimers and batch sizes fill their batches while runs are due', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          queues: fc.integer({ min: 1, max: 3 }),
          runsPerQueue: fc.integer({ min: 1, max: 30 }),
          kind: fc.constantFrom<DeploymentKind>('none', 'unlimited', 'limited'),
          claimers: fc.integer({ min: 2, max: 6 }),
          batch: fc.integer({ min: 1, max: 8 }),
        }),
        async (s) => {
          const pool = await seed(s);
          const total = s.queues * s.runsPerQueue;
          expect(await drainTogether(pool, s.claimers, s.batch, total)).toBe(total);
        },
      ),
      { numRuns: dialect === 'sqlite' ? 25 : 12 },
    );
  });
});

/**
 * Many handles, as many server processes would have, claiming beside a limited deployment's due
 * runs (a fresh user's second trial: 12 claims of 5 got `5+0+0+5+…`, 25 runs a round, and some
 * failed with a deadlock after every retry, between a claim holding the deployment's row and one
 * marking the queue).
 */
describe.each(DIALECTS)('claims on many handles beside a limited deployment (%s)', (dialect) => {
  it('twelve handles claiming 5 each, three rounds: every claim fills its batch, none fails', async () => {
    await withHandles(dialect, 12, async (db, handles) => {
      const flow = await db.flows.create({ name: 'f' });
      await db.workPools.create({ name: 'P' });
      const limited = await db.deployments.upsert({
        flowId: flow.id,
        name: 'limited',
        workPoolName: 'P',
        concurrencyLimit: 1000,
      });
      const small = await db.deployments.upsert({
        flowId: flow.id,
        name: 'small',
        workPoolName: 'P',
        concurrencyLimit: 2,
      });
      const queueId = (await db.workQueues.getByName('P', 'default'))!.id;
      const due = new Date(Date.now() - 60_000).toISOString();
      await db.transaction(async (tx) => {
        for (let i = 0; i < 300; i++) {
          await tx.flowRuns.create({
            flowId: flow.id,
            workQueueId: queueId,
            // Runs of the big limited deployment, of none, and three of a deployment limited to 2.
            ...(i % 3 === 0 ? { deploymentId: limited.id } : i < 3 ? { deploymentId: small.id } : {}),
            state: { type: 'SCHEDULED', stateDetails: { scheduledTime: due } },
          });
        }
      });
      const seen = new Set<string>();
      for (let round = 0; round < 3; round++) {
        const claims = await Promise.all(
          handles.map((h) => h.workQueues.claimScheduledRuns({ workPoolName: 'P', limit: 5 })),
        );
        expect(claims.map((c) => c.length).join('+'), `round ${round}`).toBe(Array(12).fill(5).join('+'));
        for (const run of claims.flat()) {
          expect(seen.has(run.id)).toBe(false);
          seen.add(run.id);
        }
      }
      expect(seen.size).toBe(180);
      const active = await db.flowRuns.count({
        where: { deploymentId: { any: [small.id] }, state: { type: { any: ['PENDING'] } } },
      });
      expect(active).toBeLessThanOrEqual(2);
    });
  }, 120_000);
});
