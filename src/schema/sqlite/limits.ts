import { sql } from 'drizzle-orm';
import { check, index, sqliteTable, primaryKey, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ck, ix, pk, uq } from '../naming.js';
import { baseColumns, bool, dbl, int, jsonList, str, ts } from './columns.js';

export const concurrencyLimitV2 = sqliteTable(
  'concurrency_limit_v2',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    limit: int('limit').notNull(),
    active: bool('active').notNull().default(true),
    activeSlots: int('active_slots').notNull().default(0),
    deniedSlots: int('denied_slots').notNull().default(0),
    slotDecayPerSecond: dbl('slot_decay_per_second').notNull().default(0),
    avgSlotOccupancySeconds: dbl('avg_slot_occupancy_seconds').notNull().default(2),
    /**
     * The decay clock (semantics.md §6): advanced by whole decay quanta only, never reset by other
     * writes. Null until the first write that decays (rows made before the revision).
     */
    slotDecayAt: ts('slot_decay_at'),
  },
  (t) => [
    primaryKey({ name: pk('concurrency_limit_v2'), columns: [t.id] }),
    uniqueIndex(uq('concurrency_limit_v2', 'name')).on(t.name),
    check(ck('concurrency_limit_v2', 'active_slots'), sql.raw('active_slots >= 0')),
    check(ck('concurrency_limit_v2', 'limit'), sql.raw('"limit" >= 0')),
    index(ix('concurrency_limit_v2', 'updated')).on(t.updated),
  ],
);

/** (ours) Leases live beside the slots, in the same transaction, so counts and holders cannot drift. */
export const concurrencyLease = sqliteTable(
  'concurrency_lease',
  {
    ...baseColumns(),
    limitIds: jsonList<string[]>('limit_ids'),
    slots: int('slots').notNull(),
    /** Null: a lease without TTL (tag leases; semantics.md §6). */
    expiresAt: ts('expires_at'),
    holderType: str('holder_type'),
    holderId: str('holder_id'),
  },
  (t) => [
    primaryKey({ name: pk('concurrency_lease'), columns: [t.id] }),
    check(ck('concurrency_lease', 'slots'), sql.raw('slots > 0')),
    index(ix('concurrency_lease', 'updated')).on(t.updated),
    index(ix('concurrency_lease', 'expires_at')).on(t.expiresAt),
    index(ix('concurrency_lease', 'holder_type', 'holder_id')).on(t.holderType, t.holderId),
  ],
);
