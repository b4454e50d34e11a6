import type { Database, DatabaseScope } from '../../src/index.js';

/** Queues, pools and deployments whose PENDING+RUNNING+CANCELLING runs exceed their limit right now. */
export async function limitViolations(tx: DatabaseScope): Promise<unknown[]> {
  const active = `state_type in ('PENDING', 'RUNNING', 'CANCELLING')`;
  return tx.execute(`
    select 'queue' as kind, q.id as id from work_queue q where q.concurrency_limit is not null
      and (select count(*) from flow_run r where r.work_queue_id = q.id and r.${active}) > q.concurrency_limit
    union all
    select 'pool', p.id from work_pool p where p.concurrency_limit is not null
      and (select count(*) from flow_run r join work_queue q on q.id = r.work_queue_id
           where q.work_pool_id = p.id and r.${active}) > p.concurrency_limit
    union all
    select 'deployment', d.id from deployment d where d.concurrency_limit is not null
      and (select count(*) from flow_run r where r.deployment_id = d.id and r.${active}) > d.concurrency_limit`);
}

export interface DrainResult {
  claimed: string[];
  violations: unknown[];
  claims: number;
}

export interface WorkerOptions {
  workPoolName: string;
  workerName: string;
  limit: number;
  scheduledBefore?: Date;
  /** Called before each poll (0, 1, …); true when it made work, so an empty poll does not end the loop. */
  beforePoll?: (poll: number) => Promise<boolean>;
}

/**
 * A worker: claims from one pool, checks the limits inside the claim's own transaction, then runs
 * what it got (RUNNING, COMPLETED) to free the slots, until the pool has no scheduled runs left and
 * `beforePoll` made nothing. Records what it claimed and saw in `result`; returns how many polls.
 */
export async function workPool(
  db: Database,
  o: WorkerOptions,
  result: { claimed: string[]; violations: unknown[] },
): Promise<number> {
  const { workPoolName, workerName, limit, scheduledBefore } = o;
  for (let poll = 0; ; poll++) {
    const madeWork = (await o.beforePoll?.(poll)) ?? false;
    const runs = await db.transaction(async (tx) => {
      const claimed = await tx.workQueues.claimScheduledRuns({
        workPoolName,
        workerName,
        limit,
        scheduledBefore,
      });
      if (claimed.length > 0) result.violations.push(...(await limitViolations(tx)));
      return claimed;
    });
    if (runs.length === 0 && !madeWork) {
      const left = await db.flowRuns.count({
        where: { state: { type: { any: ['SCHEDULED'] } } },
        workPool: { name: { any: [workPoolName] } },
      });
      if (left === 0) return poll + 1;
      await new Promise((resolve) => setTimeout(resolve, 25));
      continue;
    }
    for (const run of runs) {
      result.claimed.push(run.id);
      await db.flowRuns.setState(run.id, { type: 'RUNNING' });
      await db.flowRuns.setState(run.id, { type: 'COMPLETED' });
    }
  }
}

/** A worker draining one pool `batch` runs a claim (workPool). */
export async function drain(
  db: Database,
  workPoolName: string,
  workerName: string,
  batch = 5,
): Promise<DrainResult> {
  const result: DrainResult = { claimed: [], violations: [], claims: 0 };
  result.claims = await workPool(db, { workPoolName, workerName, limit: batch }, result);
  return result;
}

/** Three pools × two limited queues, five limited deployments spread over all pools. */
export async function seedWork(db: Database, runs: number) {
  const flow = await db.flows.create({ name: 'race' });
  const queueIds: string[] = [];
  for (let p = 0; p < 3; p++) {
    await db.workPools.create({ name: `pool-${p}`, concurrencyLimit: 6 });
    for (let q = 0; q < 2; q++) {
      queueIds.push(
        (
          await db.workQueues.create({
            workPoolName: `pool-${p}`,
            name: `queue-${q}`,
            concurrencyLimit: 3 + q,
          })
        ).id,
      );
    }
  }
  const deploymentIds: string[] = [];
  for (let d = 0; d < 5; d++)
    deploymentIds.push(
      (await db.deployments.upsert({ flowId: flow.id, name: `dep-${d}`, concurrencyLimit: 3 })).id,
    );
  return { flowId: flow.id, queueIds, deploymentIds, runs };
}
