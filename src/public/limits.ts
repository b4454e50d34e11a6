/** Global concurrency limits, tag limits and leases (docs/limits.md). */

/**
 * A global concurrency limit. `activeSlots` and `deniedSlots` are shown decayed to the moment of
 * the read; `slotDecayAt` is the decay clock (docs/limits.md).
 */
export interface GlobalConcurrencyLimit {
  id: string;
  name: string;
  created: Date;
  updated: Date;
  limit: number;
  active: boolean;
  activeSlots: number;
  deniedSlots: number;
  slotDecayPerSecond: number;
  avgSlotOccupancySeconds: number;
  slotDecayAt: Date;
}

/** A tag limit: at most `limit` task runs carrying `tag` hold a slot at once. */
export interface ConcurrencyLimit {
  id: string;
  tag: string;
  limit: number;
  /** Slots held now. */
  activeSlots: number;
  /** The task runs holding them. */
  taskRunIds: string[];
  created: Date;
  updated: Date;
}

/**
 * What `acquire` takes: `{ names, slots, mode?, leaseSeconds?, holder? }`. A `rate_limit` acquire
 * holds nothing, so its type has no `leaseSeconds` or `holder` (validation refuses them as well).
 */
export type AcquireInput =
  | {
      names: string[];
      slots: number;
      mode?: 'concurrency' | undefined;
      leaseSeconds?: number | undefined;
      holder?: { type: string; id: string } | undefined;
    }
  | { names: string[]; slots: number; mode: 'rate_limit'; leaseSeconds?: undefined; holder?: undefined };

/**
 * What `acquire` answers (docs/limits.md): the slots were taken (with the lease's id when one was asked
 * for), or not, with the seconds after which a retry may succeed (null: never, a limit of 0) and
 * the limits that were full (full names; tags for the tag API).
 */
export type AcquireResult =
  | { acquired: true; leaseId?: string | undefined }
  | { acquired: false; retryAfterSeconds: number | null; blockedBy: string[] };

export interface GlobalLimitCreate {
  name: string;
  limit: number;
  active?: boolean | undefined;
  activeSlots?: number | undefined;
  deniedSlots?: number | undefined;
  slotDecayPerSecond?: number | undefined;
  avgSlotOccupancySeconds?: number | undefined;
}

export interface GlobalLimitList {
  where?: { active?: boolean | undefined } | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface GlobalLimitUpdate {
  name?: string | undefined;
  limit?: number | undefined;
  active?: boolean | undefined;
  activeSlots?: number | undefined;
  deniedSlots?: number | undefined;
  slotDecayPerSecond?: number | undefined;
  avgSlotOccupancySeconds?: number | undefined;
}

/** A lease as `listLeases` shows it: what an operator asks when a limit looks stuck. */
export interface Lease {
  id: string;
  /** The ids of the limits it holds slots on. */
  limitIds: string[];
  /** Their names, position for position: null where the limit has been deleted since. */
  names: (string | null)[];
  slots: number;
  /** Null: no TTL (tag leases). */
  expiresAt: Date | null;
  holder: { type: string; id: string } | null;
  created: Date;
  updated: Date;
}

export interface ListLeasesInput {
  where?:
    | {
        name?: string | undefined;
        holder?: { type: string; id?: string | undefined } | undefined;
        expired?: boolean | undefined;
      }
    | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface ReleaseInput {
  names: string[];
  slots: number;
  occupancySeconds?: number | undefined;
}

export interface TagAcquireInput {
  taskRunId: string;
  tags: string[];
}

export interface TagLimitCreate {
  tag: string;
  limit: number;
}
