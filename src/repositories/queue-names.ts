/**
 * deployment.work_queue_name and flow_run.work_queue_name copy work_queue.name (filters and claims
 * read them without a join), so a rename must reach every copy and no copy may be written from a
 * name a concurrent rename is replacing (docs/work.md, "Renaming a queue").
 */
import { type SQL, and, eq, inArray, isNotNull, isNull, ne, or } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { RepositoryContext } from './context.js';

/**
 * The queue's current name, its row share-locked (PostgreSQL) until the caller commits: a rename
 * updates the queue row before it rewrites the copies, so it either waits for the caller (and then
 * sees the copy the caller wrote) or the caller waits for it (and reads the new name).
 * @throws NotFoundError when the queue does not exist.
 */
export async function lockedQueueName(ctx: RepositoryContext, q: Executor, queueId: string): Promise<string> {
  const wq = ctx.tables.workQueue;
  let query = q.select({ name: wq.name }).from(wq).where(eq(wq.id, queueId)).$dynamic();
  if (ctx.rowLocking) query = query.for('share');
  const [row] = await query;
  if (!row) throw new NotFoundError('work queue', queueId);
  return row.name;
}

/**
 * The `workQueueName` a flow run stores with the queue `queueId`: the queue's current name (read as
 * lockedQueueName does). A `given` name must be that name: the stored name is a copy of the id, so
 * a different one would make a filter by name and a filter by id disagree (docs/work.md).
 * @throws ValidationError naming `workQueueName` when `given` is another name (or null);
 * NotFoundError when the queue does not exist.
 */
export async function runQueueName(
  ctx: RepositoryContext,
  q: Executor,
  queueId: string,
  given: string | null | undefined,
): Promise<string> {
  const current = await lockedQueueName(ctx, q, queueId);
  if (given !== undefined && given !== current) {
    const message = `is ${JSON.stringify(given)}, but work queue ${queueId} is named ${JSON.stringify(current)}: leave workQueueName out to take the queue's name`;
    throw new ValidationError(`Invalid flow run: workQueueName: ${message}`, [
      { path: ['workQueueName'], message },
    ]);
  }
  return current;
}

/**
 * Gives every deployment, and with `runs` every flow run (terminal ones too: the name is a copy of
 * the id, so a filter by name finds what a filter by id finds), of the queue its new name.
 */
export async function renameQueueCopies(
  ctx: RepositoryContext,
  q: Executor,
  rename: { queueId: string; name: string; now: Date; runs: boolean },
): Promise<void> {
  const { deployment, flowRun } = ctx.tables;
  for (const t of rename.runs ? [deployment, flowRun] : [deployment]) {
    await q
      .update(t)
      .set({ workQueueName: rename.name, updated: rename.now })
      .where(
        and(eq(t.workQueueId, rename.queueId), or(isNull(t.workQueueName), ne(t.workQueueName, rename.name))),
      );
  }
}

/**
 * Deletes the queues `which` selects (one queue, or a pool's queues) and detaches every copy of
 * them: the deployments and flow runs (terminal ones too) of those queues get `workQueueId` and
 * `workQueueName` null together, in the caller's transaction, so no copy keeps a name whose queue
 * is gone (docs/work.md, "Deleting a queue"). Copies are cleared before and after the queue rows are
 * locked FOR UPDATE, in the order writers lock (deployment or run row, then the queue's share
 * lock): a writer that read the name under its share lock has committed by the second pass, and a
 * later one waits and then finds no queue (NotFoundError). The foreign keys' ON DELETE SET NULL
 * would clear only the id.
 */
export async function deleteQueuesDetaching(
  ctx: RepositoryContext,
  q: Executor,
  which: { queueId: string } | { poolId: string },
  now: Date,
): Promise<void> {
  const { deployment, flowRun, workQueue: wq } = ctx.tables;
  const queues: SQL = 'queueId' in which ? eq(wq.id, which.queueId) : eq(wq.workPoolId, which.poolId);
  const detach = async () => {
    for (const t of [deployment, flowRun]) {
      const ids = q.select({ id: wq.id }).from(wq).where(queues);
      await q
        .update(t)
        .set({ workQueueId: null, workQueueName: null, updated: now })
        .where(and(isNotNull(t.workQueueId), inArray(t.workQueueId, ids)));
    }
  };
  await detach();
  let lock = q.select({ id: wq.id }).from(wq).where(queues).$dynamic();
  if (ctx.rowLocking) lock = lock.for('update');
  await lock;
  await detach();
}
