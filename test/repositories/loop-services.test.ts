/**
 * The server's loop services (issue 11 §4, semantics.md §5) on both dialects: markLate,
 * failExpiredPauses, workPools.refreshStatus and a claim marking its queues and deployments
 * polled; each raced by two callers that must change every row once.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const SECOND = 1000;
const ago = (ms: number) => new Date(Date.now() - ms);

describe.each(DIALECTS)('loop services (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'etl' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  const scheduled = (at: Date, name?: string) =>
    db.flowRuns.create({
      flowId,
      state: { type: 'SCHEDULED', ...(name ? { name } : {}), stateDetails: { scheduledTime: at } },
    });

  describe('flowRuns.markLate', () => {
    it('marks Scheduled runs more than `after` overdue as Late, keeping their scheduled time, once', async () => {
      const overdue = await scheduled(ago(60 * SECOND));
      const recent = await scheduled(ago(5 * SECOND));
      const future = await scheduled(new Date(Date.now() + 60 * SECOND));
      const named = await scheduled(ago(60 * SECOND), 'AwaitingRetry');
      expect(await db.flowRuns.markLate()).toBe(1);
      const late = (await db.flowRuns.get(overdue.id))!;
      expect(late).toMatchObject({ stateType: 'SCHEDULED', stateName: 'Late' });
      expect(late.nextScheduledStartTime).toEqual(overdue.nextScheduledStartTime);
      const history = await db.flowRuns.states(overdue.id);
      expect(history.map((s) => s.name)).toEqual(['Scheduled', 'Late']);
      expect(history[1]!.stateDetails.scheduledTime).toBe(overdue.nextScheduledStartTime!.toISOString());
      // Never a second Late; the others untouched.
      expect(await db.flowRuns.markLate()).toBe(0);
      for (const r of [recent, future, named])
        expect((await db.flowRuns.get(r.id))!.stateName).toBe(r.stateName);
      // `after` and `now` move the window only.
      expect(await db.flowRuns.markLate({ after: '1s' })).toBe(1);
      expect(await db.flowRuns.markLate({ now: new Date(Date.now() + 120 * SECOND), after: 30_000 })).toBe(1);
      const marked = (await db.flowRuns.get(future.id))!;
      expect(marked.stateName).toBe('Late');
      // What is written uses the library's clock, not `now`.
      expect((await db.flowRuns.states(future.id))[1]!.timestamp.getTime()).toBeLessThanOrEqual(Date.now());
      await expect(db.flowRuns.markLate({ after: 'soon' as never })).rejects.toBeInstanceOf(ValidationError);
    });

    it('two concurrent callers mark each run once, across batches', async () => {
      const runs = [];
      for (let i = 0; i < 25; i++) runs.push(await scheduled(ago((60 + i) * SECOND)));
      const counts = await Promise.all([
        db.flowRuns.markLate({ batchSize: 4 }),
        db.flowRuns.markLate({ batchSize: 7 }),
      ]);
      expect(counts[0]! + counts[1]!).toBe(25);
      for (const r of runs)
        expect((await db.flowRuns.states(r.id)).map((s) => s.name)).toEqual(['Scheduled', 'Late']);
    });
  });

  describe('flowRuns.failExpiredPauses', () => {
    it('fails PAUSED runs whose current pause timed out, through the state bookkeeping', async () => {
      const expired = await db.flowRuns.create({
        flowId,
        state: { type: 'PAUSED', stateDetails: { pauseTimeout: ago(SECOND) } },
      });
      const waiting = await db.flowRuns.create({
        flowId,
        state: { type: 'PAUSED', stateDetails: { pauseTimeout: new Date(Date.now() + 3_600_000) } },
      });
      const forever = await db.flowRuns.create({ flowId, state: { type: 'PAUSED' } });
      // An old pause that timed out but was resumed is not the current state.
      const resumed = await db.flowRuns.create({
        flowId,
        state: { type: 'PAUSED', stateDetails: { pauseTimeout: ago(SECOND) } },
      });
      await db.flowRuns.setState(resumed.id, { type: 'RUNNING' });
      const failed = await db.flowRuns.failExpiredPauses();
      expect(failed.map((r) => r.id)).toEqual([expired.id]);
      expect((await db.flowRuns.get(expired.id))!).toMatchObject({ stateType: 'FAILED' });
      expect((await db.flowRuns.get(expired.id))!.endTime).not.toBeNull();
      for (const r of [waiting, forever]) expect((await db.flowRuns.get(r.id))!.stateType).toBe('PAUSED');
      expect((await db.flowRuns.get(resumed.id))!.stateType).toBe('RUNNING');
      expect(await db.flowRuns.failExpiredPauses()).toEqual([]);
      expect(
        (await db.flowRuns.failExpiredPauses({ now: new Date(Date.now() + 7_200_000) })).map((r) => r.id),
      ).toEqual([waiting.id]);
    });

    it('two concurrent callers fail each run once', async () => {
      const ids = [];
      for (let i = 0; i < 12; i++) {
        ids.push(
          (
            await db.flowRuns.create({
              flowId,
              state: { type: 'PAUSED', stateDetails: { pauseTimeout: ago(SECOND) } },
            })
          ).id,
        );
      }
      const [a, b] = await Promise.all([
        db.flowRuns.failExpiredPauses({ batchSize: 5 }),
        db.flowRuns.failExpiredPauses({ batchSize: 3 }),
      ]);
      expect([...a!, ...b!].map((r) => r.id).sort()).toEqual([...ids].sort());
      for (const id of ids)
        expect((await db.flowRuns.states(id)).map((s) => s.type)).toEqual(['PAUSED', 'FAILED']);
    });
  });

  describe('workPools.refreshStatus (the foreman)', () => {
    it('workers go OFFLINE after 3 intervals; pools follow their workers and pause; idle queues and deployments go NOT_READY', async () => {
      await db.workPools.create({ name: 'a' });
      await db.workPools.create({ name: 'b' });
      await db.workPools.create({ name: 'paused', isPaused: true });
      await db.workers.heartbeat({ workPoolName: 'a', name: 'w1', heartbeatIntervalSeconds: 10 });
      await db.workers.heartbeat({ workPoolName: 'b', name: 'w2' });
      const d = await db.deployments.upsert({ flowId, name: 'd', workPoolName: 'a' });
      await db.workQueues.create({ workPoolName: 'a', name: 'idle' });
      // A claim marks the queue polled and READY, and its deployments READY.
      await db.workQueues.claimScheduledRuns({ workPoolName: 'a', workQueueNames: ['default'], limit: 10 });
      expect((await db.workQueues.getByName('a', 'default'))!.status).toBe('READY');
      expect((await db.deployments.get(d.id))!.status).toBe('READY');
      expect(await db.workPools.refreshStatus()).toEqual({
        workers: [],
        pools: [],
        queues: [],
        deployments: [],
      });

      // 31 s later: w1 (10 s interval) is offline, w2 (30 s default) is not; pool a has no online worker.
      const w1 = (await db.workers.list('a'))[0]!;
      const later = await db.workPools.refreshStatus({ now: new Date(Date.now() + 31 * SECOND) });
      expect(later.workers).toEqual([w1.id]);
      const a = (await db.workPools.getByName('a'))!;
      expect(later.pools).toEqual([{ id: a.id, status: 'NOT_READY' }]);
      expect(later.queues).toEqual([]);

      // 61 s later: the queue and deployment were not polled for 60 s; w2 still online (90 s).
      const idle = await db.workPools.refreshStatus({ now: new Date(Date.now() + 61 * SECOND) });
      const queue = (await db.workQueues.getByName('a', 'default'))!;
      expect(idle).toEqual({ workers: [], pools: [], queues: [queue.id], deployments: [d.id] });
      expect((await db.deployments.get(d.id))!.status).toBe('NOT_READY');
      // The next claim makes it READY again at once, whatever the mark's one-second resolution.
      await db.workQueues.claimScheduledRuns({ workPoolName: 'a', workQueueNames: ['default'], limit: 10 });
      expect((await db.deployments.get(d.id))!.status).toBe('READY');
      await db.workPools.refreshStatus({ now: new Date(Date.now() + 61 * SECOND) });
      expect((await db.workPools.getByName('b'))!.status).toBe('READY');
      expect((await db.workPools.getByName('paused'))!.status).toBe('PAUSED');

      // A heartbeat brings pool a back; refreshStatus keeps it.
      await db.workers.heartbeat({ workPoolName: 'a', name: 'w1' });
      expect((await db.workPools.refreshStatus()).pools).toEqual([]);
      expect((await db.workPools.getByName('a'))!.status).toBe('READY');
      // A paused pool with an online worker is PAUSED; unpausing with workers online is READY.
      await db.workers.heartbeat({ workPoolName: 'paused', name: 'w3' });
      const paused = (await db.workPools.getByName('paused'))!;
      expect(paused.status).toBe('PAUSED');
      expect((await db.workPools.update(paused.id, { isPaused: false })).status).toBe('READY');
      expect((await db.workPools.refreshStatus()).pools).toEqual([]);
    });

    it('workers.list({ now }) shows the worker status refreshStatus({ now }) decided (property)', async () => {
      await db.workPools.create({ name: 'a' });
      const beatBoth = async () => {
        await db.workers.heartbeat({ workPoolName: 'a', name: 'w1', heartbeatIntervalSeconds: 10 });
        await db.workers.heartbeat({ workPoolName: 'a', name: 'w2' });
        return new Date();
      };
      let beat = await beatBoth();
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 200 }), async (seconds) => {
          // Off the boundaries: the heartbeats were stored a few milliseconds before `beat`.
          fc.pre(![30, 90].includes(seconds));
          beat = await beatBoth(); // each run from fresh heartbeats: refreshStatus only moves forward
          const now = new Date(beat.getTime() + seconds * SECOND);
          await db.workPools.refreshStatus({ now });
          const workers = await db.workers.list('a', { now });
          const pool = (await db.workPools.getByName('a'))!;
          // READY exactly when a worker listed at the same instant is ONLINE (the trial's pool was
          // NOT_READY while workers.list, on the real clock, showed an ONLINE worker).
          expect(pool.status).toBe(workers.some((w) => w.status === 'ONLINE') ? 'READY' : 'NOT_READY');
          const online = workers.filter((w) => w.status === 'ONLINE').map((w) => w.name);
          // w1 goes OFFLINE after 3 × 10 s, w2 after 3 × 30 s (the default interval).
          expect(online).toEqual([...(seconds < 90 ? ['w2'] : []), ...(seconds < 30 ? ['w1'] : [])]);
        }),
        { numRuns: 25 },
      );
      expect((await db.workers.list('a', { now: beat })).every((w) => w.status === 'ONLINE')).toBe(true);
      await expect(db.workers.list('a', { now: 'soon' })).rejects.toBeInstanceOf(ValidationError);
    });

    it("a claim writes its queues' and deployments' last_polled at most once a second, and only its queues' deployments", async () => {
      await db.workPools.create({ name: 'a' });
      await db.workQueues.create({ workPoolName: 'a', name: 'other' });
      const polled = await db.deployments.upsert({ flowId, name: 'polled', workPoolName: 'a' });
      const elsewhere = await db.deployments.upsert({
        flowId,
        name: 'elsewhere',
        workPoolName: 'a',
        workQueueName: 'other',
      });
      const claimDefault = () =>
        db.workQueues.claimScheduledRuns({ workPoolName: 'a', workQueueNames: ['default'], limit: 1 });
      await claimDefault();
      const first = (await db.deployments.get(polled.id))!;
      expect(first.status).toBe('READY');
      expect(first.lastPolled).toBeInstanceOf(Date);
      expect((await db.deployments.get(elsewhere.id))!.lastPolled).toBeNull();
      for (let i = 0; i < 5; i++) {
        const before = (await db.deployments.get(polled.id))!;
        await claimDefault();
        const after = (await db.deployments.get(polled.id))!;
        // Unchanged within the second, or written again once it had passed (a slow machine).
        const moved = after.lastPolled!.getTime() - before.lastPolled!.getTime();
        expect(moved === 0 || moved >= 1000).toBe(true);
        expect(moved === 0 ? after.updated.getTime() : 0).toBe(moved === 0 ? before.updated.getTime() : 0);
      }
      // The queue's mark too: written again only once a second has passed.
      const queueBefore = (await db.workQueues.getByName('a', 'default'))!;
      await claimDefault();
      const queueAfter = (await db.workQueues.getByName('a', 'default'))!;
      const queueMoved = queueAfter.lastPolled!.getTime() - queueBefore.lastPolled!.getTime();
      expect(queueMoved === 0 || queueMoved >= 1000).toBe(true);
      // A paused queue's status changes at the next claim, whatever the resolution.
      await db.workQueues.update(queueBefore.id, { isPaused: true });
      await db.workQueues.claimScheduledRuns({ workPoolName: 'a', limit: 1 });
      expect((await db.workQueues.get(queueBefore.id))!.status).toBe('PAUSED');
    });

    it('two concurrent callers change each worker, pool, queue and deployment once', async () => {
      for (let i = 0; i < 6; i++) {
        await db.workPools.create({ name: `p${i}` });
        await db.workers.heartbeat({
          workPoolName: `p${i}`,
          name: 'w',
          heartbeatIntervalSeconds: 5 + (i % 2),
        });
        await db.workQueues.claimScheduledRuns({ workPoolName: `p${i}`, limit: 10 });
      }
      const now = new Date(Date.now() + 120 * SECOND);
      const [x, y] = await Promise.all([
        db.workPools.refreshStatus({ now, batchSize: 2 }),
        db.workPools.refreshStatus({ now, batchSize: 3 }),
      ]);
      expect([...x!.workers, ...y!.workers]).toHaveLength(6);
      expect(new Set([...x!.workers, ...y!.workers]).size).toBe(6);
      expect([...x!.pools, ...y!.pools]).toHaveLength(6);
      expect([...x!.queues, ...y!.queues]).toHaveLength(6);
      for (let i = 0; i < 6; i++) expect((await db.workPools.getByName(`p${i}`))!.status).toBe('NOT_READY');
    });
  });
});
