/**
 * The candidate reads of a claim (semantics.md §5, "Claim fairness"): which due runs of a queue are
 * read before they are locked, at most each deployment's free slots.
 */
import { type SQL, and, asc, eq, exists, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import type { SqlFragments } from '../dialect/fragments.js';
import type { RepositoryContext } from './context.js';

type FlowRunTable = RepositoryContext['tables']['flowRun'];

/**
 * `state_type = 'SCHEDULED'` with the value as a literal, not a parameter: a generic plan
 * (postgres.js's named statements from the sixth execution) can use the partial indexes
 * `WHERE state_type = 'SCHEDULED'` only if the query itself says 'SCHEDULED'; with `= $n` the
 * claim's candidate read fell back to a sequential scan of flow_run (hot-query-plans.test.ts).
 */
export const isScheduled = (fr: FlowRunTable): SQL => sql`${fr.stateType} = 'SCHEDULED'`;

/** Due SCHEDULED runs a claim may take: not in-process retries (those belong to their own process). */
export function dueConditions(fr: FlowRunTable, before: Date) {
  return and(
    isScheduled(fr),
    lte(fr.nextScheduledStartTime, before),
    or(
      isNull(sql`${fr.empiricalPolicy} ->> 'retryType'`),
      sql`${fr.empiricalPolicy} ->> 'retryType' <> 'in_process'`,
    ),
  );
}

/** One deployment's share of a candidate read: at most `cap` of its due runs, oldest first. */
export interface DeploymentCap {
  id: string;
  cap: number;
}

/**
 * The ids of the oldest due runs of one queue, at most `cap` per deployment (claim fairness,
 * semantics.md §5): a deployment at its limit reads nothing, so its backlog cannot fill the window
 * and hide other deployments' due runs. PostgreSQL: a LATERAL top-k per deployment, each served by
 * the partial index on (work_queue_id, deployment_id, next_scheduled_start_time) (revision 7,
 * ix_flow_run__scheduled_work_queue_id_deployment_id_nex_935e3c5c);
 * SQLite (no LATERAL): row_number() per deployment over the same index. Reads only: the rows are
 * locked afterwards by id, since FOR UPDATE refuses window functions and LATERAL sets.
 * Of those, only the oldest `take` are returned: with 100 deployments each due 100 runs, a claim of
 * 100 read and then row-locked 10,000 candidates (issue 13's bench), holding locks that concurrent
 * claimers skip. (Measured at 100k runs the claim's time did not change: it goes elsewhere.)
 */
export function topPerDeploymentQuery(
  ctx: { fragments: SqlFragments; dialectName: 'sqlite' | 'postgresql' },
  fr: FlowRunTable,
  o: { queueId: string; before: Date; caps: DeploymentCap[]; take: number },
): SQL {
  const due = dueConditions(fr, o.before);
  const caps = ctx.fragments.jsonRows(o.caps as unknown as Record<string, unknown>[], 'orion_cap', {
    id: fr.deploymentId,
    cap: fr.runCount,
  } as never);
  if (ctx.dialectName === 'postgresql') {
    return sql`select top.id from ${caps} cross join lateral (
      select ${fr.id} as id, ${fr.nextScheduledStartTime} as due_at from ${fr}
      where ${fr.workQueueId} = ${o.queueId} and ${fr.deploymentId} = orion_cap.deployment_id and ${due}
      order by ${fr.nextScheduledStartTime}, ${fr.id} limit orion_cap.run_count) as top
      order by top.due_at, top.id limit ${o.take}`;
  }
  return sql`select ranked.id from (
      select ${fr.id} as id, ${fr.nextScheduledStartTime} as due_at, orion_cap.run_count as cap,
             row_number() over (partition by ${fr.deploymentId} order by ${fr.nextScheduledStartTime}, ${fr.id}) as rn
      from ${fr} join ${caps} on orion_cap.deployment_id = ${fr.deploymentId}
      where ${fr.workQueueId} = ${o.queueId} and ${due}) as ranked
    where ranked.rn <= ranked.cap
    order by ranked.due_at, ranked.id limit ${o.take}`;
}

/** A queue's share of the candidate read: at most `take` of its due runs, in claim order. */
export interface QueueTake {
  id: string;
  take: number;
}

/**
 * The ids of the oldest due runs of each queue (at most its `take`) that no limited deployment
 * owns, in ONE statement: a `UNION ALL` of one ordered top-k per queue, each served by the partial index on
 * (work_queue_id, next_scheduled_start_time). Runs of deployments without a limit need no
 * per-deployment cap (theirs would be the queue's `take`), so only `limited` deployments, usually
 * few, go through the per-deployment top-k (topPerDeploymentQuery). Before, every queue read its
 * due deployments and a top-k per deployment: 30 statements for a claim over 10 queues, where the
 * raw driver sends one (issue 13's bench, claim-100).
 */
export function queueTopsQuery(
  ctx: { fragments: SqlFragments },
  fr: FlowRunTable,
  o: { queues: QueueTake[]; before: Date; limited: string[] },
): SQL {
  const unlimited =
    o.limited.length === 0
      ? undefined
      : or(isNull(fr.deploymentId), ctx.fragments.notInList(fr.deploymentId, o.limited, 'uuid'));
  const parts = o.queues.map(
    (queue, i) => sql`select id from (select ${fr.id} as id from ${fr}
      where ${and(eq(fr.workQueueId, queue.id), dueConditions(fr, o.before), unlimited)}
      order by ${fr.nextScheduledStartTime}, ${fr.id} limit ${queue.take}) as ${sql.identifier(`orion_queue_${i}`)}`,
  );
  return sql.join(parts, sql` union all `);
}

/**
 * The deployments with a concurrency limit that have due runs in one of `queueIds`, in id order:
 * driven from the (few) limited deployments, each probing the scheduled-runs index for one due run.
 */
export function limitedDueDeploymentsQuery(
  q: Executor,
  ctx: RepositoryContext,
  queueIds: string[],
  before: Date,
) {
  const { flowRun: fr, deployment: dep } = ctx.tables;
  const due = q
    .select({ one: sql`1` })
    .from(fr)
    .where(
      and(
        eq(fr.deploymentId, dep.id),
        ctx.fragments.inList(fr.workQueueId, queueIds, 'uuid'),
        dueConditions(fr, before),
      ),
    );
  return q
    .select({ id: dep.id, limit: dep.concurrencyLimit, options: dep.concurrencyOptions })
    .from(dep)
    .where(and(isNotNull(dep.concurrencyLimit), exists(due)))
    .orderBy(asc(dep.id));
}

/** Deployments per top-k statement: their caps travel as one JSON parameter. */
export const CAP_BATCH = 500;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
