/**
 * Property test of acquire-with-lease and releaseLease against docs/limits.md's rules, row for row
 * (issue 13: these calls take hand-built statements, limits/one-statement.ts and lease-release.ts).
 * The clock is the test's (only `Date` is faked), so the exact rows can be predicted: after every
 * call the limit's stored counters, decay clock and average occupancy, and every lease's row, equal
 * what the rules give, computed by decay.ts's pure functions (decay of denied slots in whole
 * quanta, the average's moving step, Prefect's retry estimate); answers and errors too. Leases
 * expire by the clock moving past them, so acquires meet expired leases to reclaim.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  decay,
  type LimitRow,
  nextAverageOccupancy,
  retryAfterSeconds,
} from '../../src/repositories/limits/decay.js';
import { NotFoundError, ValidationError } from '../../src/index.js';
import { DIALECTS } from '../support/dialects.js';
import { suiteDatabase } from '../support/suite-database.js';

const LIMIT = 3;

interface ModelLease {
  id: string;
  slots: number;
  expiresAt: number | null;
  holder: { type: string; id: string } | undefined;
  created: number;
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('acquire' as const),
    slots: fc.integer({ min: 1, max: LIMIT + 1 }),
    // Milliseconds of TTL, or none (a holder alone: a lease that never expires).
    ttlMs: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }),
    holder: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('releaseLease' as const),
    pick: fc.nat(),
    // Whole ms mostly (fc.double alone gives mostly tiny values, all below the 0.1 s floor), and
    // any double now and then.
    occupancy: fc.option(
      fc.oneof(
        fc.integer({ min: 0, max: 120_000 }).map((ms) => ms / 1000),
        fc.double({ min: 0, max: 120, noNaN: true }),
      ),
      { nil: undefined },
    ),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
);

/** The stored row's counters, with times in ms. */
function counters(row: Record<string, unknown>) {
  const ms = (v: unknown) => (v === null ? null : new Date(v as string | number | Date).getTime());
  return {
    active: Number(row.active_slots),
    denied: Number(row.denied_slots),
    at: ms(row.slot_decay_at),
    avg: Number(row.avg_slot_occupancy_seconds),
    updated: ms(row.updated),
  };
}

describe.each(DIALECTS)('acquire with a lease and releaseLease against the rules (%s)', (dialect) => {
  const handle = suiteDatabase(dialect);
  let round = 0;

  it('writes the rows and answers the rules give, call after call', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 16 }),
        fc.double({ min: 0, max: 40, noNaN: true }),
        async (ops, startAvg) => {
          const db = handle();
          round++;
          const name = `rules-${round}`;
          let now = Date.UTC(2026, 0, 1) + round * 1_000_000;
          vi.useFakeTimers({ toFake: ['Date'] });
          vi.setSystemTime(now);
          try {
            const created = await db.globalConcurrencyLimits.create({
              name,
              limit: LIMIT,
              avgSlotOccupancySeconds: startAvg,
            });
            // The rules' view of the limit: the row as the general path reads it.
            let row: LimitRow = {
              ...(created as unknown as LimitRow),
              limit: LIMIT,
              activeSlots: 0,
              deniedSlots: 0,
              slotDecayPerSecond: 0,
              avgSlotOccupancySeconds: startAvg,
              slotDecayAt: new Date(now),
            };
            let updated = now;
            const leases: ModelLease[] = [];
            const released: string[] = [];
            const write = (next: Partial<LimitRow>) => {
              row = { ...row, ...next };
              updated = now;
            };

            for (const o of ops) {
              if (o.kind === 'wait') {
                now += o.ms;
                vi.setSystemTime(now);
                continue;
              }
              if (o.kind === 'acquire') {
                const call = db.globalConcurrencyLimits.acquire({
                  names: [name],
                  slots: o.slots,
                  ...(o.ttlMs === undefined ? {} : { leaseSeconds: o.ttlMs / 1000 }),
                  ...(o.holder || o.ttlMs === undefined ? { holder: { type: 'w', id: `h${o.slots}` } } : {}),
                });
                if (o.slots > LIMIT) {
                  await expect(call).rejects.toBeInstanceOf(ValidationError);
                  // Refused input writes nothing, but its transaction reclaimed nothing either.
                  continue;
                }
                // Expired leases on the limit are reclaimed first, then the decayed counters decide.
                let d = decay(row, new Date(now));
                for (const lease of leases.filter((l) => l.expiresAt !== null && l.expiresAt <= now)) {
                  d = { ...d, activeSlots: Math.max(0, d.activeSlots - lease.slots) };
                  leases.splice(leases.indexOf(lease), 1);
                  released.push(lease.id);
                }
                const result = await call;
                if (d.activeSlots + o.slots > LIMIT) {
                  expect(result).toEqual({
                    acquired: false,
                    retryAfterSeconds: retryAfterSeconds([{ row, decayed: d }], o.slots),
                    blockedBy: [name],
                  });
                  write({ ...d, deniedSlots: d.deniedSlots + o.slots });
                } else {
                  expect(result).toEqual({ acquired: true, leaseId: expect.any(String) });
                  if (!result.acquired) return;
                  write({ ...d, activeSlots: d.activeSlots + o.slots });
                  leases.push({
                    id: result.leaseId!,
                    slots: o.slots,
                    expiresAt: o.ttlMs === undefined ? null : now + o.ttlMs,
                    holder: o.holder || o.ttlMs === undefined ? { type: 'w', id: `h${o.slots}` } : undefined,
                    created: now,
                  });
                }
              } else {
                const all = [...leases.map((l) => l.id), ...released];
                if (all.length === 0) continue;
                const id = all[o.pick % all.length]!;
                const call = db.globalConcurrencyLimits.releaseLease(
                  id,
                  o.occupancy === undefined ? {} : { occupancySeconds: o.occupancy },
                );
                const lease = leases.find((l) => l.id === id);
                if (!lease) {
                  // Released or reclaimed before: NotFoundError, nothing written.
                  await expect(call).rejects.toBeInstanceOf(NotFoundError);
                } else {
                  await call;
                  const d = decay(row, new Date(now));
                  write({
                    ...d,
                    activeSlots: Math.max(0, d.activeSlots - lease.slots),
                    avgSlotOccupancySeconds:
                      o.occupancy === undefined
                        ? row.avgSlotOccupancySeconds
                        : nextAverageOccupancy(row, lease.slots, o.occupancy),
                  });
                  leases.splice(leases.indexOf(lease), 1);
                  released.push(id);
                }
              }
              const [stored] = await db.execute(
                `select active_slots, denied_slots, slot_decay_at, avg_slot_occupancy_seconds, updated from concurrency_limit_v2 where id = '${row.id}'`,
              );
              expect(counters(stored!)).toEqual({
                active: row.activeSlots,
                denied: row.deniedSlots,
                at: row.slotDecayAt!.getTime(),
                avg: row.avgSlotOccupancySeconds,
                updated,
              });
              const stored2 = await db.execute(
                `select id, slots, limit_ids, expires_at, holder_type, holder_id, created, updated from concurrency_lease where cast(limit_ids as text) like '%${row.id}%' order by id`,
              );
              expect(
                stored2.map((l) => ({
                  id: l.id,
                  slots: Number(l.slots),
                  limitIds: typeof l.limit_ids === 'string' ? JSON.parse(l.limit_ids) : l.limit_ids,
                  expiresAt: l.expires_at === null ? null : new Date(l.expires_at as string).getTime(),
                  holder: l.holder_type === null ? undefined : { type: l.holder_type, id: l.holder_id },
                  created: new Date(l.created as string).getTime(),
                  updated: new Date(l.updated as string).getTime(),
                })),
              ).toEqual(
                [...leases]
                  .sort((a, b) => (a.id < b.id ? -1 : 1))
                  .map((l) => ({
                    id: l.id,
                    slots: l.slots,
                    limitIds: [row.id],
                    expiresAt: l.expiresAt,
                    holder: l.holder,
                    created: l.created,
                    updated: l.created,
                  })),
              );
            }
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 120 },
    );
  }, 300_000);
});
