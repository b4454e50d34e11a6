/**
 * The general tag acquire and release (any tags, any limit rows), on limits locked by
 * `LockedLimits` inside the caller's transaction. `db.concurrencyLimits` tries the common case in
 * fewer statements first (tag-fast.ts) and comes here for whatever it does not decide; both give
 * the same answers and rows (tag-limits-fast.test.ts compares them).
 */
import { eq } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import { NotFoundError } from '../../errors.js';
import type { RepositoryContext } from '../context.js';
import { type LimitRow, retryAfterSeconds } from './decay.js';
import { type AcquireResult, TAG_PREFIX, TASK_RUN_HOLDER } from './inputs.js';
import { LockedLimits, holderLeases } from './locked.js';

/** The tag of a tag limit's row. */
export function tagOf(row: Pick<LimitRow, 'name'>): string {
  return row.name.slice(TAG_PREFIX.length);
}

/**
 * Takes one slot of every named (`tag:`-prefixed, distinct) active limit the task run does not
 * hold yet, or none, inside the transaction `q` (see ConcurrencyLimitRepository.acquire).
 */
export async function acquireTagsLocked(
  ctx: RepositoryContext,
  q: Executor,
  taskRunId: string,
  names: readonly string[],
): Promise<AcquireResult> {
  await lockTaskRun(ctx, q, taskRunId);
  const locked = await LockedLimits.forNames(ctx, q, names);
  // The locked set may hold more limits (those of expired leases it reclaimed): only the named count.
  const active = locked.rows.filter((r) => r.active && names.includes(r.name));
  // A limit of 0 refuses even a run that already holds a slot of it: 0 means "run nothing", and
  // Prefect's orchestration rule aborts such a run the same way. The slot it holds stays held
  // until released.
  const zero = active.filter((r) => r.limit === 0);
  if (zero.length > 0) {
    await locked.flush();
    return { acquired: false, retryAfterSeconds: null, blockedBy: zero.map(tagOf) };
  }
  const holder = { type: TASK_RUN_HOLDER, id: taskRunId };
  const held = new Set(
    (
      await holderLeases(
        ctx,
        q,
        holder,
        active.map((r) => r.id),
      )
    ).flatMap((lease) => lease.limitIds),
  );
  const needed = active.filter((r) => !held.has(r.id));
  const full = needed.filter((r) => locked.state(r.id).activeSlots + 1 > r.limit);
  if (full.length > 0) {
    const retry = retryAfterSeconds(
      needed.map((row) => locked.blocking(row)),
      1,
    );
    for (const row of needed) locked.deny(row.id, 1);
    await locked.flush();
    return { acquired: false, retryAfterSeconds: retry, blockedBy: full.map(tagOf) };
  }
  for (const row of needed) locked.take(row.id, 1);
  await locked.flush();
  if (needed.length > 0) {
    await q.insert(ctx.tables.concurrencyLease).values(
      needed.map((row) => ({
        limitIds: [row.id],
        slots: 1,
        expiresAt: null,
        holderType: TASK_RUN_HOLDER,
        holderId: taskRunId,
        created: locked.now,
        updated: locked.now,
      })),
    );
  }
  return { acquired: true };
}

/**
 * The task run must exist (NotFoundError): a slot held for no run would only be freed by the next
 * `releaseFinished`. On PostgreSQL its row is key-share locked, so it cannot be deleted before
 * the lease is written. It is taken before the limits are locked.
 */
async function lockTaskRun(ctx: RepositoryContext, q: Executor, taskRunId: string): Promise<void> {
  const tr = ctx.tables.taskRun;
  let query = q.select({ id: tr.id }).from(tr).where(eq(tr.id, taskRunId)).$dynamic();
  if (ctx.rowLocking) query = query.for('key share');
  const [found] = await query;
  if (!found) throw new NotFoundError('task run', taskRunId);
}

/** Frees the task run's slots on the named limits (those it does not hold are ignored), inside `q`. */
export async function releaseTagsLocked(
  ctx: RepositoryContext,
  q: Executor,
  taskRunId: string,
  names: readonly string[],
): Promise<void> {
  const locked = await LockedLimits.forNames(ctx, q, names);
  const leases = await holderLeases(
    ctx,
    q,
    { type: TASK_RUN_HOLDER, id: taskRunId },
    locked.rows.filter((r) => names.includes(r.name)).map((r) => r.id),
  );
  await locked.settle(
    leases.map((lease) => lease.id),
    { expiredOnly: false },
  );
  await locked.flush();
}
