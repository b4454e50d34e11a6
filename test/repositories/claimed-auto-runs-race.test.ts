/**
 * A deployment update racing a transaction that moves an auto-scheduled run to PENDING and back to
 * SCHEDULED (AwaitingRetry) before committing. On PostgreSQL the update's DELETE takes its snapshot
 * while the claim is uncommitted, waits on the run's row lock, and re-checks the row once the claim
 * commits: SCHEDULED again, with the claim's history invisible to its snapshot. The guard on the
 * run's current state (auto-runs.ts, unclaimedAutoRuns) keeps it; without that guard the run and
 * its history are deleted (shown by removing it). On SQLite the writers are serialised.
 */
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { DIALECTS } from '../support/dialects.js';
import { withHandles } from '../support/race.js';

const HOUR = 3_600_000;

/** Blocks until another session waits on a lock (PostgreSQL), or a moment (SQLite). */
async function untilWaiting(db: Database): Promise<void> {
  if (db.dialect !== 'postgresql') return new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 200; i++) {
    const rows = await db.execute<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
    );
    if (Number(rows[0]!.n) > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the update never waited on the claimed run');
}

async function race(db: Database, mover: Database, updater: Database) {
  const flow = await db.flows.create({ name: 'etl' });
  await db.workPools.create({ name: 'pool' });
  const d = await db.deployments.upsert({
    flowId: flow.id,
    name: 'd',
    workPoolName: 'pool',
    schedules: [{ schedule: { interval: 3600 } }],
  });
  const [run] = await db.deployments.scheduleRuns(d.id, { max: 1 });
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let movedBack!: () => void;
  const back = new Promise<void>((r) => {
    movedBack = r;
  });
  const moved = mover.transaction(async (tx) => {
    // setState, not claimScheduledRuns: a claim also writes the deployment row, whose lock the
    // update takes first, and would serialise the two; a worker's own transition does not.
    await tx.flowRuns.setState(run!.id, { type: 'PENDING' });
    const scheduledTime = new Date(run!.nextScheduledStartTime!.getTime() + HOUR).toISOString();
    await tx.flowRuns.setState(run!.id, {
      type: 'SCHEDULED',
      name: 'AwaitingRetry',
      stateDetails: { scheduledTime },
    });
    movedBack();
    await released;
  });
  await back;
  const update = updater.deployments.update(d.id, { parameters: { v: 2 } });
  await untilWaiting(db);
  release();
  await Promise.all([moved, update]);
  expect((await db.flowRuns.get(run!.id))?.stateName).toBe('AwaitingRetry');
  expect((await db.flowRuns.states(run!.id)).map((s) => s.type)).toEqual([
    'SCHEDULED',
    'PENDING',
    'SCHEDULED',
  ]);
}

describe.each(DIALECTS)('an update racing a run moved to PENDING and back (%s)', (dialect) => {
  it('keeps the run whose transitions commit while the update waits on it', async () => {
    await withHandles(dialect, 2, (db, [mover, updater]) => race(db, mover!, updater!));
  }, 60_000);
});
