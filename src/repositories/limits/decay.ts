/**
 * The arithmetic of global concurrency limits (data-model.md "Global concurrency limits and
 * leases", semantics.md §6), kept pure so it is computed once, in the application, on rows the
 * caller has locked: decay on the limit's own clock, acquisition, denial, release and Prefect's
 * retry-after estimate.
 */
import type { concurrencyLimitV2 } from '../../schema/postgres/limits.js';

/** A row of `concurrency_limit_v2`. */
export type LimitRow = typeof concurrencyLimitV2.$inferSelect;

/** The counters of a limit after decay up to `now`, and where its decay clock now stands. */
export interface Decayed {
  activeSlots: number;
  deniedSlots: number;
  slotDecayAt: Date;
}

/** Occupancy times are clamped to this range when they set the rate at which denials are forgotten. */
export const MIN_OCCUPANCY_SECONDS = 0.1;
const MAX_OCCUPANCY_SECONDS = 30;

/**
 * The rate (per second) at which denied slots decay: the slot decay rate when the limit has one,
 * otherwise one denial per (clamped) average occupancy (data-model.md).
 */
export function deniedDecayRate(
  row: Pick<LimitRow, 'slotDecayPerSecond' | 'avgSlotOccupancySeconds'>,
): number {
  if (row.slotDecayPerSecond > 0) return row.slotDecayPerSecond;
  const occupancy = Math.min(
    Math.max(row.avgSlotOccupancySeconds, MIN_OCCUPANCY_SECONDS),
    MAX_OCCUPANCY_SECONDS,
  );
  return 1 / occupancy;
}

/**
 * Decays a limit up to `now`. One clock (`slot_decay_at`) serves both counters: when the limit
 * decays slots, denied slots decay at that same rate, so the same whole quanta apply to both; when
 * it does not, the clock only measures the decay of denials. The clock moves by whole quanta only
 * (`at += floor(rate·Δ)/rate`, Δ clamped at 0; semantics.md §6), so the fraction of a quantum that
 * has elapsed is kept across writes (frequent writes cannot stop decay) and a clock behind the
 * stored one decays nothing. The step is rounded up to the millisecond the column keeps, so
 * rounding can only slow decay, never add slots. A null clock (a row from before the revision)
 * starts at `now`.
 *
 * `leased` is the number of the limit's slots held by leases: decay never frees those (a lease
 * keeps its slots until it is released or reclaimed), so active slots decay down to it, not to 0.
 */
export function decay(row: LimitRow, now: Date, leased = 0): Decayed {
  const at = row.slotDecayAt ?? now;
  const elapsedMs = Math.max(0, now.getTime() - at.getTime());
  const rate = deniedDecayRate(row);
  const quanta = Math.floor((rate * elapsedMs) / 1000);
  if (quanta <= 0) return { activeSlots: row.activeSlots, deniedSlots: row.deniedSlots, slotDecayAt: at };
  const stepMs = Math.min(elapsedMs, Math.ceil((quanta * 1000) / rate));
  const slotQuanta = row.slotDecayPerSecond > 0 ? quanta : 0;
  return {
    activeSlots: Math.max(Math.min(leased, row.activeSlots), row.activeSlots - slotQuanta, 0),
    deniedSlots: Math.max(0, row.deniedSlots - quanta),
    slotDecayAt: new Date(at.getTime() + stepMs),
  };
}

/** Whether `slots` more fit in the limit once decayed. */
export function fits(row: LimitRow, decayed: Decayed, slots: number): boolean {
  return decayed.activeSlots + slots <= row.limit;
}

/** The new average occupancy after a release of `slots` held `occupancySeconds` in total (data-model.md). */
export function nextAverageOccupancy(row: LimitRow, slots: number, occupancySeconds: number): number {
  const perSlot = Math.max(occupancySeconds / slots, MIN_OCCUPANCY_SECONDS);
  // A limit of 0 can hold nothing, so nothing is released on it; guard the division all the same.
  return row.avgSlotOccupancySeconds + (perSlot - row.avgSlotOccupancySeconds) / Math.max(row.limit * 2, 1);
}

/**
 * Seconds until a denied acquire of `slots` is worth retrying, as Prefect's concurrency v2 API
 * computes it: per limit, the blocking slots are `slots + denied` when it decays, else
 * `(slots + denied) / limit`; the limit with the most blocking slots decides, at `1 / decay` seconds
 * per slot when it decays, else its average occupancy. `denied` is the count after decay and
 * before this denial is recorded, as Prefect reads it before writing the denial.
 *
 * Two departures, so the answer never invites a busy loop: a decaying limit whose leases hold so
 * many slots that decay alone can never make room (`limit − leased < slots`) is estimated like a
 * limit without decay (its holders must release); and the average occupancy counts as at least
 * 0.1 s, as it does for the decay of denials.
 */
export function retryAfterSeconds(
  limits: readonly { row: LimitRow; decayed: Decayed; leased?: number }[],
  slots: number,
): number | null {
  let best: { row: LimitRow; blocking: number; decays: boolean } | undefined;
  for (const { row, decayed, leased = 0 } of limits) {
    if (row.limit <= 0) continue;
    const pending = slots + decayed.deniedSlots;
    const decays = row.slotDecayPerSecond > 0 && row.limit - leased >= slots;
    const blocking = decays ? pending : pending / row.limit;
    if (!best || blocking > best.blocking) best = { row, blocking, decays };
  }
  if (!best) return null;
  const perSlot = best.decays
    ? 1 / best.row.slotDecayPerSecond
    : Math.max(best.row.avgSlotOccupancySeconds, MIN_OCCUPANCY_SECONDS);
  return perSlot * best.blocking;
}
