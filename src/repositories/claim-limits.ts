/**
 * The counts and limits a claim reads where limits apply (claiming.ts): active runs per queue or
 * deployment, and the limited deployments' rows, locked in id order on PostgreSQL.
 */
import { and, asc, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import type { ConcurrencyOptions } from '../schema/json-types.js';
import type { RepositoryContext } from './context.js';

/** Runs in these states occupy a slot. */
export const ACTIVE_STATES = ['PENDING', 'RUNNING', 'CANCELLING'] as const;

/** Active runs (ACTIVE_STATES) per value of `column`, for `ids`. */
export async function countActive(
  q: Executor,
  ctx: RepositoryContext,
  column: 'workQueueId' | 'deploymentId',
  ids: string[],
) {
  const fr = ctx.tables.flowRun;
  const counts = new Map<string, number>();
  if (ids.length === 0) return counts;
  const rows = await q
    .select({ key: fr[column], n: sql<number>`count(*)` })
    .from(fr)
    .where(and(ctx.fragments.inList(fr[column], ids, 'uuid'), inArray(fr.stateType, [...ACTIVE_STATES])))
    .groupBy(fr[column]);
  for (const row of rows) if (row.key) counts.set(row.key, Number(row.n));
  return counts;
}

/** At most this many CANCEL_NEW cancellations per claim (semantics.md §5). */
export const MAX_CANCELLATIONS = 1000;

/** A deployment's limit and collision strategy. */
export interface DeploymentLimit {
  limit: number | null;
  options: ConcurrencyOptions | null;
}

/** A limited deployment that cancels new runs on collision. */
export const isCancelNew = (d: DeploymentLimit | undefined) =>
  d !== undefined && d.limit !== null && d.options?.collisionStrategy === 'CANCEL_NEW';

/** The deployments `ids`, locked in id order with `lock`. */
export async function readDeployments(
  q: Executor,
  ctx: RepositoryContext,
  ids: string[],
  lock: boolean,
): Promise<Map<string, DeploymentLimit>> {
  const dep = ctx.tables.deployment;
  const out = new Map<string, DeploymentLimit>();
  if (ids.length === 0) return out;
  let query = q
    .select({ id: dep.id, limit: dep.concurrencyLimit, options: dep.concurrencyOptions })
    .from(dep)
    .where(ctx.fragments.inList(dep.id, ids, 'uuid'))
    .orderBy(asc(dep.id))
    .$dynamic();
  // In id order, so two claimers locking overlapping deployments cannot deadlock.
  if (lock) query = query.for('update', { of: dep });
  for (const row of await query) out.set(row.id, { limit: row.limit, options: row.options });
  return out;
}
