/**
 * Which work queue a deployment's queue fields name (semantics.md §5; docs/work.md, "db.deployments").
 * `workQueueId` names the queue itself; `workPoolName` (+ `workQueueName`) a queue of that pool (its
 * default queue without a name); `workQueueName` alone a queue of the deployment's *current* pool,
 * so the stored name and the queue id that claims read never disagree. Queues are never created
 * here: a name that does not exist is a NotFoundError, on upsert and update alike.
 */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { RepositoryContext } from './context.js';
import { lockedQueueName } from './queue-names.js';

/** The queue fields of an upsert or update, as parsed. */
export interface QueueFields {
  workQueueId?: string | null;
  workPoolName?: string;
  workQueueName?: string | null;
}

/** The columns to write: both set together, or neither (nothing named). */
export type ResolvedQueue =
  | { workQueueId: string | null; workQueueName: string | null }
  | Record<never, never>;

/**
 * Resolves the queue fields to the queue's id and name. `currentQueueId` is the deployment's queue
 * before this call (undefined for a new deployment): `workQueueName` alone is looked up in its pool.
 * @throws ValidationError when workQueueId comes with a pool or queue name, or a queue name alone
 *   names no pool (a new deployment, or one without a queue); NotFoundError when the queue or pool
 *   does not exist.
 */
export async function resolveQueue(
  ctx: RepositoryContext,
  q: Executor,
  data: QueueFields,
  currentQueueId: string | null | undefined,
): Promise<ResolvedQueue> {
  const { workQueue: wq, workPool: wp } = ctx.tables;
  if (data.workQueueId !== undefined) {
    if (data.workPoolName !== undefined || data.workQueueName !== undefined)
      throw new ValidationError(
        'Invalid deployment: give workQueueId or workPoolName / workQueueName, not both',
        [{ path: ['workQueueId'], message: 'not together with workPoolName / workQueueName' }],
      );
    if (data.workQueueId === null) return { workQueueId: null, workQueueName: null };
    return { workQueueId: data.workQueueId, workQueueName: await lockedQueueName(ctx, q, data.workQueueId) };
  }
  if (data.workPoolName === undefined && data.workQueueName === undefined) return {};
  let pool: { id: string; name: string; defaultQueueId: string | null } | undefined;
  if (data.workPoolName !== undefined) {
    [pool] = await q
      .select({ id: wp.id, name: wp.name, defaultQueueId: wp.defaultQueueId })
      .from(wp)
      .where(eq(wp.name, data.workPoolName));
    if (!pool)
      throw new NotFoundError('work pool', data.workPoolName, `work pool "${data.workPoolName}" not found`);
  } else {
    // A queue name alone moves the deployment within its current pool.
    if (currentQueueId)
      [pool] = await q
        .select({ id: wp.id, name: wp.name, defaultQueueId: wp.defaultQueueId })
        .from(wq)
        .innerJoin(wp, eq(wp.id, wq.workPoolId))
        .where(eq(wq.id, currentQueueId));
    if (!pool) {
      if (data.workQueueName === null) return { workQueueId: null, workQueueName: null };
      throw new ValidationError(
        `Invalid deployment: workQueueName "${data.workQueueName}" needs workPoolName, the deployment has no work pool`,
        [
          {
            path: ['workPoolName'],
            message: 'is required with workQueueName when the deployment has no work pool',
          },
        ],
      );
    }
  }
  const where = data.workQueueName
    ? and(eq(wq.workPoolId, pool.id), eq(wq.name, data.workQueueName))
    : eq(wq.id, pool.defaultQueueId!);
  // Share-locked: a concurrent rename waits for this write, or this read waits for the new name.
  let read = q.select({ id: wq.id, name: wq.name }).from(wq).where(where).$dynamic();
  if (ctx.rowLocking) read = read.for('share');
  const [queue] = await read;
  if (!queue)
    throw new NotFoundError(
      'work queue',
      data.workQueueName ?? 'default',
      `work queue "${data.workQueueName ?? 'default'}" not found in pool "${pool.name}"`,
    );
  return { workQueueId: queue.id, workQueueName: queue.name };
}
