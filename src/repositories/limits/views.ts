/** How limits and leases read: counters decayed to the moment of the read, leases with their limits' names. */
import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import type { RepositoryContext } from '../context.js';
import { type LimitRow, decay } from './decay.js';
import { type Lease, TASK_RUN_HOLDER } from './inputs.js';
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

/**
 * The task runs holding a tag limit's slots, as JSON text (a list of ids in the order they took
 * them), for the select list of the statement that reads the limit: the count and its holders then
 * come from one snapshot. Read by a second statement, while acquires and releases ran, a limit
 * showed a slot held by nobody, or more holders than slots (a fresh user's trial).
 */
export function tagLimitHolders(ctx: RepositoryContext): SQL<string> {
  // Spelled out: Drizzle writes a column of the statement's own table unqualified on SQLite, which
  // the subquery's tables would make ambiguous.
  const holder = sql.raw(`'${TASK_RUN_HOLDER}'`);
  return ctx.dialect.name === 'sqlite'
    ? sql<string>`(select json_group_array(h) from (select l.holder_id as h from concurrency_lease l, json_each(l.limit_ids) j where j.value = "concurrency_limit_v2"."id" and l.holder_type = ${holder} order by l.created, l.id))`
    : sql<string>`(select coalesce(json_agg(l.holder_id order by l.created, l.id), '[]')::text from concurrency_lease l where l.holder_type = ${holder} and l.limit_ids @> jsonb_build_array("concurrency_limit_v2"."id"::text))`;
}
