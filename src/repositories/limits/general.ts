/**
 * The general acquire and release (any names, modes, leases and decay), on limits locked by
 * `LockedLimits` inside the caller's transaction. `acquire`/`release` try the common case in one
 * statement first (one-statement.ts) and come here for whatever it does not decide.
 */
import type { z } from 'zod';
import type { Executor } from '../../dialect/dialect.js';
import { ValidationError } from '../../errors.js';
import type { RepositoryContext } from '../context.js';
import { retryAfterSeconds } from './decay.js';
import type { AcquireResult, acquireInput, releaseInput } from './inputs.js';
import { LockedLimits } from './locked.js';

/** Acquires on `names` (distinct) with the limits locked, inside the transaction `q`. */
export async function acquireLocked(
  ctx: RepositoryContext,
  q: Executor,
  names: readonly string[],
  data: z.output<typeof acquireInput>,
): Promise<AcquireResult> {
  const locked = await LockedLimits.forNames(ctx, q, names);
  // The locked set may hold more limits (those of expired leases it reclaimed): only the named count.
  const active = locked.rows.filter((r) => r.active && names.includes(r.name));
  const zero = active.filter((r) => r.limit === 0);
  if (zero.length > 0) {
    await locked.flush();
    return { acquired: false, retryAfterSeconds: null, blockedBy: zero.map((r) => r.name) };
  }
  for (const row of active) {
    if (data.slots > row.limit) {
      throw new ValidationError(
        `Invalid concurrency limit acquire: slots: ${data.slots} slots can never fit limit "${row.name}" of ${row.limit}`,
        [{ path: ['slots'], message: `more than the limit of "${row.name}" (${row.limit})` }],
      );
    }
    if (data.mode === 'rate_limit' && row.slotDecayPerSecond <= 0) {
      throw new ValidationError(
        `Invalid concurrency limit acquire: mode: limit "${row.name}" has no slot decay, so it cannot rate-limit`,
        [{ path: ['mode'], message: `"${row.name}" has slotDecayPerSecond 0` }],
      );
    }
  }
  const full = active.filter((r) => locked.state(r.id).activeSlots + data.slots > r.limit);
  if (full.length > 0) {
    const retry = retryAfterSeconds(
      active.map((row) => locked.blocking(row)),
      data.slots,
    );
    for (const row of active) locked.deny(row.id, data.slots);
    await locked.flush();
    return { acquired: false, retryAfterSeconds: retry, blockedBy: full.map((r) => r.name) };
  }
  for (const row of active) locked.take(row.id, data.slots);
  await locked.flush();
  if (data.leaseSeconds === undefined && data.holder === undefined) return { acquired: true };
  const l = ctx.tables.concurrencyLease;
  const [lease] = await q
    .insert(l)
    .values({
      limitIds: active.map((r) => r.id),
      slots: data.slots,
      expiresAt:
        data.leaseSeconds === undefined ? null : new Date(locked.now.getTime() + data.leaseSeconds * 1000),
      holderType: data.holder?.type ?? null,
      holderId: data.holder?.id ?? null,
      created: locked.now,
      updated: locked.now,
    })
    .returning({ id: l.id });
  return { acquired: true, leaseId: lease!.id };
}

/** Releases unleased slots on `names` (distinct) with the limits locked, inside the transaction `q`. */
export async function releaseLocked(
  ctx: RepositoryContext,
  q: Executor,
  names: readonly string[],
  data: z.output<typeof releaseInput>,
): Promise<void> {
  const locked = await LockedLimits.forNames(ctx, q, names);
  // Slots held through leases are given back by releaseLease only: a release without a lease
  // (a retried or buggy client) must never free a slot a live lease holds.
  const leased = await locked.leasedSlots();
  for (const row of locked.rows) {
    if (row.active && names.includes(row.name))
      locked.giveUnleased(row.id, data.slots, leased.get(row.id) ?? 0, data.occupancySeconds);
  }
  await locked.flush();
}
