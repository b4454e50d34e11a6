/**
 * The candidate reads of a claim (semantics.md §5, "Claim fairness"): which due runs of a queue are
 * read before they are locked, at most each deployment's free slots.
 */
import { type Placeholder, type SQL, and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import type { SqlFragments } from '../dialect/fragments.js';
import { pgArrayLiteral } from '../dialect/postgres/fragments.js';
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
export function dueConditions(fr: FlowRunTable, before: Date | Placeholder) {
  return and(
    isScheduled(fr),
    lte(fr.nextScheduledStartTime, before),
    or(
      isNull(sql`${fr.empiricalPolicy} ->> 'retryType'`),
      sql`${fr.empiricalPolicy} ->> 'retryType' <> 'in_process'`,
    ),
  );
}

/** Leaves out the runs a claim already tried to lock (taken by it or held by another claim). */
function notTried(ctx: { fragments: SqlFragments }, fr: FlowRunTable, exclude: string[] | undefined) {
  return exclude && exclude.length > 0 ? ctx.fragments.notInList(fr.id, exclude, 'uuid') : undefined;
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
  o: { queueId: string; before: Date; caps: DeploymentCap[]; take: number; exclude?: string[] },
): SQL {
  const due = and(dueConditions(fr, o.before), notTried(ctx, fr, o.exclude));
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
 * The first `total` due runs in claim order (queue rank, due time, id), at most each queue's
 * `take`, leaving out the runs of `limited` deployments (those go through the per-deployment top-k,
 * topPerDeploymentQuery): ONE statement selecting `id`, `queue_id`, `due_at`. `queues` come in
 * claim order (priority, id). Each queue's part is an ordered top-k over the partial index on
 * (work_queue_id, next_scheduled_start_time, id) (revision 9).
 *
 * PostgreSQL: a LATERAL top-k per queue, driven from the queue list `WITH ORDINALITY`, which the
 * planner knows is in rank order, so an incremental sort under the LIMIT reads queues only until
 * `total` rows are in: a claim of 100 from 10 queues of 100 due runs reads 2 queues, not 10 (issue
 * 13, claim-100: the earlier `UNION ALL` read and sorted every queue's top-k, then re-read each
 * row by id). The text does not depend on the number of queues, so it is prepared once.
 * SQLite (no LATERAL): a `UNION ALL` of the per-queue top-k, each tagged with its rank.
 */
export function claimOrderQuery(
  ctx: { fragments: SqlFragments; dialectName: 'sqlite' | 'postgresql' },
  fr: FlowRunTable,
  o: { queues: QueueTake[]; before: Date; limited: string[]; total: number; exclude?: string[] },
): SQL {
  const limitedOut =
    o.limited.length === 0
      ? undefined
      : or(isNull(fr.deploymentId), ctx.fragments.notInList(fr.deploymentId, o.limited, 'uuid'));
  const unlimited = and(limitedOut, notTried(ctx, fr, o.exclude));
  const columns = sql`${fr.id} as id, ${fr.workQueueId} as queue_id, ${fr.nextScheduledStartTime} as due_at`;
  const order = sql`order by ${fr.nextScheduledStartTime}, ${fr.id}`;
  if (ctx.dialectName === 'postgresql') {
    const ids = pgArrayLiteral(o.queues.map((queue) => queue.id));
    const takes = `{${o.queues.map((queue) => queue.take).join(',')}}`;
    return sql`select orion_top.id, orion_top.queue_id, orion_top.due_at
      from unnest(${ids}::text::uuid[], ${takes}::text::int[]) with ordinality as orion_q(queue_id, take, rank)
      cross join lateral (select ${columns} from ${fr}
        where ${and(sql`${fr.workQueueId} = orion_q.queue_id`, dueConditions(fr, o.before), unlimited)}
        ${order} limit orion_q.take) as orion_top
      order by orion_q.rank, orion_top.due_at, orion_top.id limit ${o.total}`;
  }
  const parts = o.queues.map(
    (queue, i) => sql`select * from (select ${columns}, ${sql.raw(String(i))} as orion_rank from ${fr}
      where ${and(eq(fr.workQueueId, queue.id), dueConditions(fr, o.before), unlimited)}
      ${order} limit ${queue.take}) as ${sql.identifier(`orion_queue_${i}`)}`,
  );
  return sql`select id, queue_id, due_at from (${sql.join(parts, sql` union all `)}) as orion_tops
    order by orion_rank, due_at, id limit ${o.total}`;
}

/** Deployments per top-k statement: their caps travel as one JSON parameter. */
export const CAP_BATCH = 500;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A due run read as a claim candidate. */
export interface Candidate {
  id: string;
  queueId: string;
  /** next_scheduled_start_time, ms since the epoch. */
  dueAt: number;
}

/**
 * The candidates when limited deployments have due runs: the first runs in claim order of the
 * other deployments (`claimOrder`, claimOrderQuery) and, per queue, each limited deployment's
 * oldest due runs up to its free slots (`caps`: deployment id → free slots).
 */
export async function limitedCandidates(
  ctx: RepositoryContext,
  q: Executor,
  o: { takes: QueueTake[]; caps: Map<string, number>; claimOrder: SQL; before: Date; exclude?: string[] },
): Promise<Candidate[]> {
  const fr = ctx.tables.flowRun;
  const found: Candidate[] = [];
  if (o.takes.length === 0) return found;
  const rows = await q
    .select({ id: fr.id, queueId: fr.workQueueId, dueAt: fr.nextScheduledStartTime })
    .from(fr)
    .where(sql`${fr.id} in (select orion_claim.id from (${o.claimOrder}) as orion_claim)`);
  for (const row of rows) found.push({ id: row.id, queueId: row.queueId!, dueAt: row.dueAt!.getTime() });
  for (const { id: queueId, take } of o.takes) {
    const caps: DeploymentCap[] = [];
    for (const [id, free] of o.caps)
      if (Math.min(take, free) > 0) caps.push({ id, cap: Math.min(take, free) });
    for (const batch of chunk(caps, CAP_BATCH)) {
      const top = topPerDeploymentQuery({ fragments: ctx.fragments, dialectName: ctx.dialect.name }, fr, {
        queueId,
        before: o.before,
        caps: batch,
        take,
        exclude: o.exclude,
      });
      const rows = await q
        .select({ id: fr.id, dueAt: fr.nextScheduledStartTime })
        .from(fr)
        .where(sql`${fr.id} in (${top})`);
      for (const row of rows) found.push({ id: row.id, queueId, dueAt: row.dueAt!.getTime() });
    }
  }
  return found;
}

/**
 * The ids of the first `total` candidates in claim order (queue priority, due time, id), at most
 * each queue's `take`: the candidates the final pick could reach, plus slack for rows a concurrent
 * transition holds (skipped under SKIP LOCKED).
 */
export function firstInClaimOrder(
  found: Candidate[],
  queueRank: Map<string, number>,
  takes: QueueTake[],
  total: number,
): string[] {
  const byId = new Map(found.map((c) => [c.id, c]));
  const ordered = [...byId.values()].sort(
    (a, b) =>
      queueRank.get(a.queueId)! - queueRank.get(b.queueId)! ||
      a.dueAt - b.dueAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const room = new Map(takes.map((t) => [t.id, t.take]));
  const out: string[] = [];
  for (const c of ordered) {
    if (out.length >= total) break;
    const left = room.get(c.queueId) ?? 0;
    if (left <= 0) continue;
    room.set(c.queueId, left - 1);
    out.push(c.id);
  }
  return out;
}
