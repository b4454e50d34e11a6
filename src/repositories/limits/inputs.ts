/** Input schemas and result shapes of the two concurrency-limit repositories (api.md "Concurrency limits"). */
import { z } from 'zod';
import {
  MAX_NAME_CHARS,
  TAG_LIMIT_TAG_BYTES,
  boundedString,
  entityName,
  indexedText,
  limit,
  offset,
  uuid,
  wholeNumber,
} from '../validation.js';
import type { AcquireResult, Lease } from '../../public/limits.js';
import { MIN_OCCUPANCY_SECONDS } from './decay.js';

/** Names under this prefix are tag limits (db.concurrencyLimits); the global API refuses them. */
export const TAG_PREFIX = 'tag:';
/** The holder type of tag leases: the holder id is the task run's id. */
export const TASK_RUN_HOLDER = 'task_run';

/** The largest count (limit, slots, denied slots) the library accepts or stores. */
export const MAX_COUNT = 1_000_000_000;
/** The shortest lease: a millisecond, the precision expiry times are stored with (shorter ones would be born expired). */
export const MIN_LEASE_SECONDS = 0.001;
/** The longest lease: ten years, well inside the accepted time range. */
export const MAX_LEASE_SECONDS = 315_360_000;

const count = wholeNumber(0, MAX_COUNT);
const rate = z.number().min(0).max(MAX_COUNT);
const seconds = z.number().min(0).max(MAX_COUNT);
/**
 * A release's occupancy (seconds the slots were held, in total). The average counts at least
 * MIN_OCCUPANCY_SECONDS a slot, so a total below it moves the average exactly as 0 does, and is
 * sent as 0: a value such as 5e-324 divided by the slots in SQL underflowed to 0, which PostgreSQL
 * refuses ("value out of range: underflow") for input validation had accepted.
 */
const occupancy = seconds.transform((v) => (v < MIN_OCCUPANCY_SECONDS ? 0 : v));

/** A global limit's name: indexed text that does not start with `tag:`. */
export const limitName = entityName(['concurrency_limit_v2', 'name']).refine(
  (n) => !n.startsWith(TAG_PREFIX),
  `names starting "${TAG_PREFIX}" are tag limits: use db.concurrencyLimits`,
);

/**
 * A tag of a tag limit: 4 bytes shorter than a limit name, for the `tag:` prefix (semantics.md §2),
 * and not blank, as every tag: a run's tags refuse a blank one, so a limit on it could hold nothing
 * but a caller's mistake.
 */
export const limitTag = boundedString({
  minChars: 1,
  maxChars: MAX_NAME_CHARS - TAG_PREFIX.length,
  maxBytes: TAG_LIMIT_TAG_BYTES,
  notBlank: true,
});

const globalLimitFields = z.strictObject({
  name: limitName,
  limit: count,
  active: z.boolean().optional(),
  activeSlots: count.optional(),
  deniedSlots: count.optional(),
  slotDecayPerSecond: rate.optional(),
  avgSlotOccupancySeconds: seconds.optional(),
});

/**
 * Setting `activeSlots` is an operator's correction: it may not exceed the limit, which would
 * admit nobody until slots came back and report more holders than allowed.
 */
function slotsWithinLimit(input: { limit?: number; activeSlots?: number }, ctx: z.RefinementCtx): void {
  if (input.limit !== undefined && input.activeSlots !== undefined && input.activeSlots > input.limit) {
    ctx.addIssue({
      code: 'custom',
      path: ['activeSlots'],
      message: `${input.activeSlots} active slots exceed the limit of ${input.limit}`,
    });
  }
}

export const globalLimitCreate = globalLimitFields.superRefine(slotsWithinLimit);
/** An update's `activeSlots` is checked against the resulting limit, and its leases, under the lock. */
export const globalLimitUpdate = globalLimitFields.partial().superRefine(slotsWithinLimit);

export const globalLimitList = z.strictObject({
  where: z.strictObject({ active: z.boolean().optional() }).optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});
export const globalLimitCount = z.strictObject({ where: globalLimitList.shape.where });

const holder = z.strictObject({
  type: indexedText(['concurrency_lease', 'holder_type']),
  id: indexedText(['concurrency_lease', 'holder_id']),
});

export const acquireInput = z
  .strictObject({
    names: z.array(limitName).min(1).max(1000),
    slots: wholeNumber(1, MAX_COUNT),
    mode: z.enum(['concurrency', 'rate_limit']).optional(),
    leaseSeconds: z.number().min(MIN_LEASE_SECONDS).max(MAX_LEASE_SECONDS).optional(),
    holder: holder.optional(),
  })
  .superRefine((input, ctx) => {
    // A rate limit's slots are never given back, so a lease on them means nothing (semantics.md §6);
    // a holder would make a lease without TTL whose slots decay could never free.
    for (const key of ['leaseSeconds', 'holder'] as const) {
      if (input.mode === 'rate_limit' && input[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `a rate_limit acquire takes no lease (${key})`,
        });
      }
    }
  });

export const releaseInput = z.strictObject({
  names: z.array(limitName).min(1).max(1000),
  slots: wholeNumber(1, MAX_COUNT),
  occupancySeconds: occupancy.optional(),
});

export const leaseId = uuid;
export const leaseSeconds = z.number().min(MIN_LEASE_SECONDS).max(MAX_LEASE_SECONDS);
export const releaseLeaseOptions = z.strictObject({ occupancySeconds: occupancy.optional() });

export const listLeasesInput = z.strictObject({
  where: z
    .strictObject({
      /** Leases on this limit (a full name, `tag:` ones included). */
      name: entityName(['concurrency_limit_v2', 'name']).optional(),
      holder: z
        .strictObject({
          type: holder.shape.type,
          id: holder.shape.id.optional(),
        })
        .optional(),
      expired: z.boolean().optional(),
    })
    .optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});

export const tagLimitCreate = z.strictObject({ tag: limitTag, limit: count });
export const tagLimitList = z.strictObject({ limit: limit.optional(), offset: offset.optional() });
export const tagAcquireInput = z.strictObject({
  taskRunId: uuid,
  tags: z.array(limitTag).max(1000),
});

export type GlobalLimitCreate = z.input<typeof globalLimitCreate>;
export type GlobalLimitUpdate = z.input<typeof globalLimitUpdate>;
export type GlobalLimitList = z.input<typeof globalLimitList>;
type AcquireFields = z.input<typeof acquireInput>;
/**
 * What `acquire` takes: `{ names, slots, mode?, leaseSeconds?, holder? }`. A `rate_limit` acquire
 * holds nothing, so its type has no `leaseSeconds` or `holder` (validation refuses them as well).
 */
export type AcquireInput =
  | (AcquireFields & { mode?: 'concurrency' })
  | (Omit<AcquireFields, 'leaseSeconds' | 'holder' | 'mode'> & {
      mode: 'rate_limit';
      leaseSeconds?: undefined;
      holder?: undefined;
    });
export type ReleaseInput = z.input<typeof releaseInput>;
export type ListLeasesInput = z.input<typeof listLeasesInput>;
export type TagLimitCreate = z.input<typeof tagLimitCreate>;
export type TagAcquireInput = z.input<typeof tagAcquireInput>;

// The public shape (src/public/) is the one definition.
export type { AcquireResult, Lease };
