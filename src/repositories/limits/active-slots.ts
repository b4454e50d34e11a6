/**
 * The check on an operator's correction of a global limit's `activeSlots` (docs/limits.md): it
 * must fit the resulting limit, and may not drop below the slots live leases hold.
 */
import { gt, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import { ConflictError, ValidationError } from '../../errors.js';
import type { RepositoryContext } from '../context.js';
import type { LimitRow } from './decay.js';

const slots = (n: number) => `${n} ${n === 1 ? 'slot' : 'slots'}`;

/**
 * An update's `activeSlots` must fit the resulting limit (ValidationError) and may not drop below
 * the slots leases on the limit hold (ConflictError): a count below them would let more holders in
 * than the limit allows, and the later release of those leases would take the count lower still.
 * The caller locked the limit and reclaimed its expired leases at `now`, so normally only live ones
 * remain; any expired one left over (more than a reclaim batch) still counts, since its release
 * will still give its slots back, and the message then names `reclaimExpiredLeases`.
 */
export async function checkActiveSlots(
  ctx: RepositoryContext,
  q: Executor,
  row: LimitRow,
  limit: number | undefined,
  activeSlots: number,
  now: Date,
): Promise<void> {
  const resulting = limit ?? row.limit;
  if (activeSlots > resulting) {
    throw new ValidationError(
      `Invalid concurrency limit update: activeSlots: ${activeSlots} active slots exceed the limit of ${resulting}`,
      [{ path: ['activeSlots'], message: `exceeds the limit of ${resulting}` }],
    );
  }
  const l = ctx.tables.concurrencyLease;
  const [held] = await q
    .select({
      live: sql<number>`coalesce(sum(case when ${or(isNull(l.expiresAt), gt(l.expiresAt, now))} then ${l.slots} else 0 end), 0)`,
      expired: sql<number>`coalesce(sum(case when ${lte(l.expiresAt, now)} then ${l.slots} else 0 end), 0)`,
    })
    .from(l)
    .where(ctx.fragments.jsonListContainsAll(l.limitIds, [row.id]));
  const live = Number(held?.live ?? 0);
  const expired = Number(held?.expired ?? 0);
  if (activeSlots >= live + expired) return;
  const remedies = [
    live > 0
      ? `${slots(live)} held by leases still live (release them: listLeases, releaseLease)`
      : undefined,
    expired > 0
      ? `${slots(expired)} held by expired leases not yet reclaimed (reclaimExpiredLeases)`
      : undefined,
  ].filter(Boolean);
  throw new ConflictError(
    'concurrency limit',
    'leased_slots',
    `Concurrency limit "${row.name}" has ${remedies.join(' and ')}; activeSlots cannot go below ${live + expired}`,
  );
}
