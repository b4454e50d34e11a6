/**
 * Locked limit rows and the leases on them. Every write to a limit's counters goes through a
 * `LockedLimits`: the rows are read locked (PostgreSQL `SELECT ... FOR UPDATE` in name order, so
 * two multi-name callers cannot deadlock; SQLite's write transaction, taken up front, already
 * serialises), decayed and changed in memory, and written back once by `flush()`. Leases are locked
 * after their limits, never before, and deleted with a condition (`RETURNING`), so a lease released,
 * renewed or reclaimed by two callers at once is counted by exactly one.
 */
import { type SQL, type SQLWrapper, and, asc, eq, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import { ValidationError } from '../../errors.js';
import type { concurrencyLease } from '../../schema/postgres/limits.js';
import type { RepositoryContext } from '../context.js';
import { type Decayed, type LimitRow, decay, nextAverageOccupancy } from './decay.js';
import { MAX_COUNT } from './inputs.js';

/** A row of `concurrency_lease`. */
export type LeaseRow = typeof concurrencyLease.$inferSelect;

/** How many leases one reclaiming statement takes at most (a bounded batch). */
export const LEASE_BATCH = 500;

interface Entry {
  row: LimitRow;
  state: Decayed;
  avg: number;
  dirty: boolean;
}

/** Locks the limits named or identified, in name order; returns them in that order. */
async function lockRows(
  ctx: RepositoryContext,
  q: Executor,
  names: readonly string[],
  ids: readonly string[],
): Promise<LimitRow[]> {
  const t = ctx.tables.concurrencyLimitV2;
  const conditions = [];
  if (names.length > 0) conditions.push(ctx.fragments.inList(t.name, names, 'text'));
  if (ids.length > 0) conditions.push(ctx.fragments.inList(t.id, ids, 'uuid'));
  if (conditions.length === 0) return [];
  let query = q
    .select()
    .from(t)
    .where(or(...conditions))
    .orderBy(asc(t.name))
    .$dynamic();
  if (ctx.rowLocking) query = query.for('update');
  return query;
}

/** Limit rows held locked for the rest of the transaction, with their decayed counters. */
export class LockedLimits {
  private readonly entries = new Map<string, Entry>();

  private constructor(
    private readonly ctx: RepositoryContext,
    private readonly q: Executor,
    readonly now: Date,
    rows: LimitRow[],
    /** Every limit id this set asked for: a lease may be settled when all of its limits are here or gone. */
    readonly asked: Set<string>,
    /** Slots held by leases on the decaying limits among `rows` (decay never frees them). */
    private readonly leased: ReadonlyMap<string, number>,
  ) {
    for (const row of rows) {
      this.entries.set(row.id, {
        row,
        state: decay(row, now, leased.get(row.id) ?? 0),
        avg: row.avgSlotOccupancySeconds,
        dirty: false,
      });
    }
  }

  /**
   * Locks the named limits and reclaims their expired leases first (semantics.md §6: an expired
   * lease never blocks).
   */
  static forNames(ctx: RepositoryContext, q: Executor, names: readonly string[]): Promise<LockedLimits> {
    return LockedLimits.reclaiming(ctx, q, names, []);
  }

  /**
   * Locks the limits with these ids and reclaims their expired leases first, as `forNames` does:
   * an operator's correction of a limit (update) then sees only the slots live leases hold.
   */
  static forIdsReclaiming(
    ctx: RepositoryContext,
    q: Executor,
    ids: readonly string[],
  ): Promise<LockedLimits> {
    return LockedLimits.reclaiming(ctx, q, [], ids);
  }

  /**
   * Locks the limits named or identified, reclaiming (up to a batch of) their expired leases. A
   * lease may span limits not asked for: those are found before locking and locked in the same
   * name-ordered statement, so the reclaim can release all of its slots.
   */
  private static async reclaiming(
    ctx: RepositoryContext,
    q: Executor,
    names: readonly string[],
    ids: readonly string[],
  ): Promise<LockedLimits> {
    const now = new Date();
    const t = ctx.tables.concurrencyLimitV2;
    const l = ctx.tables.concurrencyLease;
    // Usually no lease has expired: one probe on the expires_at index then spares the other reads.
    const anyExpired =
      names.length + ids.length > 0 &&
      (await q.select({ id: l.id }).from(l).where(lte(l.expiresAt, now)).limit(1)).length > 0;
    const known = anyExpired
      ? (
          await q
            .select({ id: t.id })
            .from(t)
            .where(
              or(
                names.length > 0 ? ctx.fragments.inList(t.name, names, 'text') : undefined,
                ids.length > 0 ? ctx.fragments.inList(t.id, ids, 'uuid') : undefined,
              ),
            )
        ).map((r) => r.id)
      : [];
    const extra = new Set<string>();
    let expired: { id: string; limitIds: string[] }[] = [];
    if (known.length > 0) {
      expired = await q
        .select({ id: l.id, limitIds: l.limitIds })
        .from(l)
        .where(and(lte(l.expiresAt, now), ctx.fragments.jsonListContainsAny(l.limitIds, known)))
        .limit(LEASE_BATCH);
      for (const lease of expired) for (const id of lease.limitIds) if (!known.includes(id)) extra.add(id);
    }
    const rows = await lockRows(ctx, q, names, [...ids, ...extra]);
    const asked = new Set([...known, ...ids, ...extra, ...rows.map((r) => r.id)]);
    const locked = new LockedLimits(ctx, q, now, rows, asked, await leasedOnDecaying(ctx, q, rows));
    // The delete re-checks the expiry under the locks; a lease whose limits are not all covered
    // here (it expired after the read above) waits for the next reclaim.
    await locked.settle(
      expired.filter((lease) => lease.limitIds.every((id) => asked.has(id))).map((lease) => lease.id),
      { expiredOnly: true },
    );
    return locked;
  }

  /** Locks the limits with these ids (a lease's), in name order. */
  static async forIds(ctx: RepositoryContext, q: Executor, ids: readonly string[]): Promise<LockedLimits> {
    const now = new Date();
    const rows = await lockRows(ctx, q, [], ids);
    return new LockedLimits(ctx, q, now, rows, new Set(ids), await leasedOnDecaying(ctx, q, rows));
  }

  /** The locked rows, in name order. */
  get rows(): LimitRow[] {
    return [...this.entries.values()].map((e) => e.row);
  }

  /**
   * A locked limit with what a retry estimate needs: its decayed counters, and on a decaying
   * limit the slots leases hold (which decay will not free).
   */
  blocking(row: LimitRow): { row: LimitRow; decayed: Decayed; leased: number } {
    return { row, decayed: this.state(row.id), leased: this.leased.get(row.id) ?? 0 };
  }

  /** The decayed counters of a locked limit. */
  state(id: string): Decayed {
    return this.entries.get(id)!.state;
  }

  /** Takes `slots` on a locked limit (the caller checked that they fit). */
  take(id: string, slots: number): void {
    const e = this.entries.get(id)!;
    e.state = { ...e.state, activeSlots: e.state.activeSlots + slots };
    e.dirty = true;
  }

  /**
   * Records a denial of `slots` on a locked limit (denied slots after decay + n), capped at the
   * largest count the library accepts: denials repeated by a client that ignores retryAfterSeconds
   * must not outgrow PostgreSQL's integer column (or be stored on SQLite where PostgreSQL refuses).
   */
  deny(id: string, slots: number): void {
    const e = this.entries.get(id)!;
    e.state = { ...e.state, deniedSlots: Math.min(e.state.deniedSlots + slots, MAX_COUNT) };
    e.dirty = true;
  }

  /**
   * Slots each locked limit holds through leases, read now (callers reclaim expired leases first).
   * `release` without a lease may give back only the rest, so it can never free a leased slot.
   */
  leasedSlots(): Promise<Map<string, number>> {
    return leasedSlotsOf(this.ctx, this.q, [...this.entries.keys()]);
  }

  /** Gives back at most the slots a limit holds without a lease (`leased`: see leasedSlots). */
  giveUnleased(id: string, slots: number, leased: number, occupancySeconds?: number): void {
    const e = this.entries.get(id);
    if (!e) return;
    const n = Math.min(slots, Math.max(0, e.state.activeSlots - leased));
    if (n > 0) this.give(id, n, occupancySeconds);
  }

  /**
   * Gives back `slots` on a limit, if it is locked here (a lease's limit may be gone):
   * `max(0, active after decay − n)`, and with `occupancySeconds` the average moves toward it.
   */
  give(id: string, slots: number, occupancySeconds?: number): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.state = { ...e.state, activeSlots: Math.max(0, e.state.activeSlots - slots) };
    if (occupancySeconds !== undefined)
      e.avg = nextAverageOccupancy({ ...e.row, avgSlotOccupancySeconds: e.avg }, slots, occupancySeconds);
    e.dirty = true;
  }

  /**
   * Deletes the leases with these ids (only expired ones when `expiredOnly`) whose limits are all
   * locked here or gone, and gives their slots back. Returns the leases deleted.
   */
  async settle(
    ids: readonly string[],
    options: { expiredOnly: boolean; occupancySeconds?: number },
  ): Promise<LeaseRow[]> {
    if (ids.length === 0) return [];
    const l = this.ctx.tables.concurrencyLease;
    const where = options.expiredOnly
      ? and(this.ctx.fragments.inList(l.id, ids, 'uuid'), lte(l.expiresAt, this.now))
      : this.ctx.fragments.inList(l.id, ids, 'uuid');
    const deleted = await this.q.delete(l).where(where).returning();
    for (const lease of deleted) {
      for (const id of lease.limitIds) this.give(id, lease.slots, options.occupancySeconds);
    }
    return deleted;
  }

  /** Writes every changed limit back: counters, the decay clock and the average occupancy. */
  async flush(): Promise<void> {
    const t = this.ctx.tables.concurrencyLimitV2;
    for (const e of this.entries.values()) {
      if (!e.dirty) continue;
      await this.q
        .update(t)
        .set({
          activeSlots: e.state.activeSlots,
          deniedSlots: e.state.deniedSlots,
          slotDecayAt: e.state.slotDecayAt,
          avgSlotOccupancySeconds: e.avg,
          updated: this.now,
        })
        .where(eq(t.id, e.row.id));
      e.dirty = false;
    }
  }
}

/** Slots held by leases (expired ones included, until reclaimed) on each of these limits. */
export async function leasedSlotsOf(
  ctx: RepositoryContext,
  q: Executor,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const l = ctx.tables.concurrencyLease;
  const out = new Map<string, number>();
  for (const id of ids) {
    const [row] = await q
      .select({ slots: sql<number>`coalesce(sum(${l.slots}), 0)` })
      .from(l)
      .where(ctx.fragments.jsonListContainsAll(l.limitIds, [id]));
    out.set(id, Number(row?.slots ?? 0));
  }
  return out;
}

/**
 * Leased slots on the limits that decay: decay stops at them, so a concurrency lease on a limit
 * with slot decay keeps its slots for as long as it lives. Limits without decay need no read.
 */
export function leasedOnDecaying(
  ctx: RepositoryContext,
  q: Executor,
  rows: readonly LimitRow[],
): Promise<Map<string, number>> {
  return leasedSlotsOf(
    ctx,
    q,
    rows.filter((r) => r.slotDecayPerSecond > 0).map((r) => r.id),
  );
}

/** Leases of a holder on any of these limits. */
export function holderLeases(
  ctx: RepositoryContext,
  q: Executor,
  holder: { type: string; id: string },
  limitIds: readonly string[],
): Promise<LeaseRow[]> {
  const l = ctx.tables.concurrencyLease;
  if (limitIds.length === 0) return Promise.resolve([]);
  return q
    .select()
    .from(l)
    .where(
      and(
        eq(l.holderType, holder.type),
        eq(l.holderId, holder.id),
        ctx.fragments.jsonListContainsAny(l.limitIds, limitIds),
      ),
    );
}

/**
 * Releases (deletes, giving their slots back) the leases with these ids, each batch in its own
 * transaction with the leases' limits locked in name order. Returns how many were released; a
 * lease already gone (released or reclaimed by someone else) is not counted.
 */
export async function releaseLeaseBatch(
  ctx: RepositoryContext,
  leases: readonly Pick<LeaseRow, 'id' | 'limitIds'>[],
  expiredOnly: boolean,
): Promise<number> {
  if (leases.length === 0) return 0;
  const limitIds = [...new Set(leases.flatMap((lease) => lease.limitIds))];
  return ctx.transaction(async (q) => {
    const locked = await LockedLimits.forIds(ctx, q, limitIds);
    const deleted = await locked.settle(
      leases.map((lease) => lease.id),
      { expiredOnly },
    );
    await locked.flush();
    return deleted.length;
  });
}

/** `substr(name, 1, 4) = 'tag:'`: exact on both dialects (SQLite's LIKE ignores case). */
export function isTagName(column: SQLWrapper): SQL {
  return sql`substr(${column}, 1, 4) = 'tag:'`;
}

/**
 * A tag limit's lease belongs to the tag API: its slot never expires and goes back through
 * `db.concurrencyLimits.release` (semantics.md §6), so the global lease calls refuse it with a
 * ValidationError.
 */
export async function refuseTagLease(ctx: RepositoryContext, q: Executor, lease: string): Promise<void> {
  const { concurrencyLimitV2: c, concurrencyLease: l } = ctx.tables;
  const [found] = await q.select({ limitIds: l.limitIds }).from(l).where(eq(l.id, lease));
  if (!found || found.limitIds.length === 0) return;
  const tagged = await q
    .select({ id: c.id })
    .from(c)
    .where(and(ctx.fragments.inList(c.id, found.limitIds, 'uuid'), isTagName(c.name)));
  if (tagged.length > 0) {
    throw new ValidationError(
      `Lease ${lease} holds a tag limit's slot: release it with db.concurrencyLimits.release({ taskRunId, tags }); tag slots never expire`,
    );
  }
}
