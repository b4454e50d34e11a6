/**
 * What the scheduleDue race shares with its SQLite child: the deployments (two schedules each, as
 * the trial that found schedulers queueing past the statement timeout) and the call each makes.
 */
import { expect } from 'vitest';
import type { Database } from '../../src/index.js';

/** Each scheduler's one call: 10 to 20 runs a schedule, one window for all (`now` fixed). */
export const SCHEDULE_DUE_OPTIONS = { now: '2040-01-01T00:00:00Z', minRuns: 10, maxRuns: 20 } as const;
/** Every run each deployment gets: two schedules, and `minRuns` each within the first hour. */
const RUNS_PER_DEPLOYMENT = 2 * 20;

/** `count` deployments, each with a minutely interval and an every-minute rrule schedule. */
export async function seedDueDeployments(db: Database, count: number): Promise<string[]> {
  const flow = await db.flows.create({ name: 'due-race' });
  await db.workPools.create({ name: 'due-pool' });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const d = await db.deployments.upsert({
      flowId: flow.id,
      name: `d${i}`,
      workPoolName: 'due-pool',
      schedules: [{ schedule: { interval: 60 } }, { schedule: { rrule: 'FREQ=MINUTELY;BYSECOND=30' } }],
    });
    ids.push(d.id);
  }
  return ids;
}

/**
 * Every deployment got all its runs, each created by exactly one of the callers (`created`: the ids
 * each returned), and no instant twice.
 */
export async function expectScheduledOnce(db: Database, deployments: string[], created: string[][]) {
  const all = created.flat();
  expect(new Set(all).size).toBe(all.length);
  const runs = await db.flowRuns.list({ where: { deploymentId: { any: deployments } }, limit: 100_000 });
  expect(runs.length).toBe(deployments.length * RUNS_PER_DEPLOYMENT);
  expect(new Set(runs.map((r) => r.idempotencyKey)).size).toBe(runs.length);
  expect(all.length).toBe(runs.length);
  for (const id of deployments) {
    expect(runs.filter((r) => r.deploymentId === id).length).toBe(RUNS_PER_DEPLOYMENT);
  }
}
