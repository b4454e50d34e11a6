/** How limits and leases read: counters decayed to the moment of the read, leases with their limits' names. */
import type { Executor } from '../../dialect/dialect.js';
import type { RepositoryContext } from '../context.js';
import { type LimitRow, decay } from './decay.js';
import type { Lease } from './inputs.js';
import { type LeaseRow, leasedOnDecaying } from './locked.js';

/**
 * A global concurrency limit. `activeSlots` and `deniedSlots` are shown decayed to the moment of
 * the read; `slotDecayAt` is the decay clock (semantics.md §6).
 */
export type GlobalConcurrencyLimit = Omit<LimitRow, 'slotDecayAt'> & { slotDecayAt: Date };

/** A row as the API shows it, undecayed (a row from before the decay clock shows `updated`). */
export function limitView(row: LimitRow): GlobalConcurrencyLimit {
  return { ...row, slotDecayAt: row.slotDecayAt ?? row.updated };
}

/**
 * Shows rows with their counters decayed to `now` (what an acquire at `now` would see; decay stops
 * at the slots leases hold).
 */
export async function decayedViews(
  ctx: RepositoryContext,
  q: Executor,
  rows: readonly LimitRow[],
  now = new Date(),
): Promise<GlobalConcurrencyLimit[]> {
  const leased = await leasedOnDecaying(ctx, q, rows);
  return rows.map((row) => {
    const d = decay(row, now, leased.get(row.id) ?? 0);
    return { ...row, activeSlots: d.activeSlots, deniedSlots: d.deniedSlots, slotDecayAt: d.slotDecayAt };
  });
}

/**
 * Leases as an operator reads them, with the names of their limits.
 */
export async function describeLeases(
  ctx: RepositoryContext,
  q: Executor,
  rows: LeaseRow[],
): Promise<Lease[]> {
  const ids = [...new Set(rows.flatMap((r) => r.limitIds))];
  const t = ctx.tables.concurrencyLimitV2;
  const names = new Map<string, string>();
  if (ids.length > 0) {
    for (const r of await q
      .select({ id: t.id, name: t.name })
      .from(t)
      .where(ctx.fragments.inList(t.id, ids, 'uuid'))) {
      names.set(r.id, r.name);
    }
  }
  return rows.map((r) => ({
    id: r.id,
    limitIds: r.limitIds,
    names: r.limitIds.map((id) => names.get(id) ?? null),
    slots: r.slots,
    expiresAt: r.expiresAt,
    holder: r.holderType !== null && r.holderId !== null ? { type: r.holderType, id: r.holderId } : null,
    created: r.created,
    updated: r.updated,
  }));
}
