import type { Database } from '../../src/index.js';
import { workPool } from './claim-worker.js';

export interface ScheduleDrainResult {
  created: string[];
  claimed: string[];
  violations: unknown[];
}

/**
 * A server process and a worker in one: calls scheduleDue, then claims from one pool and runs what
 * it got (workPool), until the pool has nothing scheduled and scheduleDue creates nothing.
 *
 * Every scheduler of one race schedules at the same `now`, given by the test: with the clock, a
 * race crossing a whole hour saw the hourly runs of that hour fall due and scheduled a fourth run
 * per deployment (753 runs instead of 600, seen once in a helper's run).
 */
export async function scheduleAndDrain(db: Database, workPoolName: string, workerName: string, now: Date) {
  const result: ScheduleDrainResult = { created: [], claimed: [], violations: [] };
  const far = new Date(now.getTime() + 30 * 86_400_000);
  // The scheduler loop runs less often than workers poll: first (all processes at once), then every 10th poll.
  const beforePoll = async (poll: number) => {
    const created = poll % 10 === 0 ? await db.deployments.scheduleDue({ batchSize: 25, now }) : [];
    result.created.push(...created.map((r) => r.id));
    return created.length > 0;
  };
  await workPool(db, { workPoolName, workerName, limit: 5, scheduledBefore: far, beforePoll }, result);
  return result;
}

/** Two pools × two limited queues, `count` hourly deployments spread over them, a third limited to 1. */
export async function seedDeployments(db: Database, count: number) {
  const flow = await db.flows.create({ name: 'scheduled' });
  const queues: [string, string][] = [];
  for (let p = 0; p < 2; p++) {
    await db.workPools.create({ name: `pool-${p}`, concurrencyLimit: 8 });
    for (let q = 0; q < 2; q++) {
      await db.workQueues.create({ workPoolName: `pool-${p}`, name: `queue-${q}`, concurrencyLimit: 3 + q });
      queues.push([`pool-${p}`, `queue-${q}`]);
    }
  }
  await db.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      const [workPoolName, workQueueName] = queues[i % queues.length]!;
      await tx.deployments.upsert({
        flowId: flow.id,
        name: `dep-${i}`,
        workPoolName,
        workQueueName,
        concurrencyLimit: i % 3 === 0 ? 1 : null,
        schedules: [{ schedule: { interval: 3600 } }],
      });
    }
  });
}

/** Every deployment got exactly its three runs, each created once and claimed once, within every limit. */
export async function verifySchedules(db: Database, results: ScheduleDrainResult[], deployments: number) {
  const created = results.flatMap((r) => r.created);
  const claimed = results.flatMap((r) => r.claimed);
  const total = deployments * 3;
  const violations = results.flatMap((r) => r.violations);
  const duplicates = await db.execute<{ n: number | string }>(
    `select count(*) as n from (select deployment_id, expected_start_time from flow_run
       group by deployment_id, expected_start_time having count(*) > 1) as d`,
  );
  const pendings = await db.execute<{ n: number | string }>(
    `select count(*) as n from flow_run_state where type = 'PENDING'`,
  );
  return {
    violations,
    duplicateInstants: Number(duplicates[0]!.n),
    created: created.length,
    distinctCreated: new Set(created).size,
    claimed: claimed.length,
    distinctClaimed: new Set(claimed).size,
    runs: await db.flowRuns.count(),
    completed: await db.flowRuns.count({ where: { state: { type: { any: ['COMPLETED'] } } } }),
    pendings: Number(pendings[0]!.n),
    total,
  };
}
