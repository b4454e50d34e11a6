/**
 * Property test of semantics.md §6's invariant: random acquire / release / renew / expire / reclaim
 * sequences against a small model of leases, whose answers are computed independently of the
 * library. After every reclaim, a limit's active slots equal the slots of its leases plus its
 * lease-less acquisitions not yet released; every acquire, renewal and release answers as the model
 * says. Expiry is written in the past through raw SQL (the library has no clock knob). One limit
 * decays fast and holds only leases: decay never frees what a lease holds.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, type Database, NotFoundError, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const LIMITS = { a: 6, b: 3, c: 4 } as const;
type Name = keyof typeof LIMITS;
/**
 * `c` decays a thousand slots a millisecond and is only ever acquired with a lease: decay must
 * never free a leased slot, so its active slots stay exactly its leases' slots.
 */
const DECAYING: Name = 'c';

interface ModelLease {
  id: string;
  names: Name[];
  slots: number;
  expired: boolean;
  alive: boolean;
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('acquire' as const),
    names: fc.subarray(['a', 'b', 'c'] as Name[], { minLength: 1 }),
    slots: fc.integer({ min: 1, max: 4 }),
    lease: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('release' as const),
    name: fc.constantFrom<Name>('a', 'b'),
    slots: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('releaseLease' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('renew' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('expire' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reclaim' as const) }),
);

describe.each(DIALECTS)('leases against a model (%s)', (dialect) => {
  let db: Database;
  let round = 0;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db.close();
  });

  const past = dialect === 'sqlite' ? () => String(Date.now() - 60_000) : () => `now() - interval '1 minute'`;

  it('keeps active slots = lease slots + lease-less acquisitions, and answers as the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        round++;
        const full = (n: Name) => `r${round}-${n}`;
        for (const n of Object.keys(LIMITS) as Name[]) {
          await db.globalConcurrencyLimits.create({
            name: full(n),
            limit: LIMITS[n],
            slotDecayPerSecond: n === DECAYING ? 1_000_000 : 0,
          });
        }
        const leases: ModelLease[] = [];
        const leaseless: Record<Name, number> = { a: 0, b: 0, c: 0 };
        const active = (n: Name) =>
          leaseless[n] +
          leases.filter((l) => l.alive && l.names.includes(n)).reduce((s, l) => s + l.slots, 0);
        const reclaim = (touching?: Name[]) => {
          let count = 0;
          for (const l of leases) {
            if (l.alive && l.expired && (!touching || l.names.some((n) => touching.includes(n)))) {
              l.alive = false;
              count++;
            }
          }
          return count;
        };
        const pick = (i: number) => (leases.length ? leases[i % leases.length] : undefined);

        for (const o of ops) {
          if (o.kind === 'acquire') {
            const leased = o.lease || o.names.includes(DECAYING);
            const call = db.globalConcurrencyLimits.acquire({
              names: o.names.map(full),
              slots: o.slots,
              ...(leased ? { leaseSeconds: 600 } : {}),
            });
            if (o.names.some((n) => o.slots > LIMITS[n])) {
              await expect(call).rejects.toBeInstanceOf(ValidationError);
              continue;
            }
            reclaim(o.names);
            const blocked = o.names.filter((n) => active(n) + o.slots > LIMITS[n]);
            const result = await call;
            if (blocked.length > 0) {
              expect(result).toMatchObject({ acquired: false, blockedBy: blocked.map(full).sort() });
              continue;
            }
            expect(result.acquired).toBe(true);
            if (leased && result.acquired) {
              leases.push({
                id: result.leaseId!,
                names: o.names,
                slots: o.slots,
                expired: false,
                alive: true,
              });
            } else {
              for (const n of o.names) leaseless[n] += o.slots;
            }
          } else if (o.kind === 'release') {
            const n = Math.min(o.slots, leaseless[o.name]);
            if (n === 0) continue;
            await db.globalConcurrencyLimits.release({ names: [full(o.name)], slots: n });
            // release, like acquire, reclaims the expired leases on the limits it touches first.
            reclaim([o.name]);
            leaseless[o.name] -= n;
          } else if (o.kind === 'releaseLease') {
            const l = pick(o.pick);
            if (!l) continue;
            const call = db.globalConcurrencyLimits.releaseLease(l.id);
            if (l.alive) {
              await call;
              l.alive = false;
            } else await expect(call).rejects.toBeInstanceOf(NotFoundError);
          } else if (o.kind === 'renew') {
            const l = pick(o.pick);
            if (!l) continue;
            const call = db.globalConcurrencyLimits.renewLease(l.id, 600);
            if (!l.alive) await expect(call).rejects.toBeInstanceOf(NotFoundError);
            else if (l.expired) await expect(call).rejects.toBeInstanceOf(ConflictError);
            else await call;
          } else if (o.kind === 'expire') {
            const l = pick(o.pick);
            if (!l?.alive) continue;
            await db.execute(`update concurrency_lease set expires_at = ${past()} where id = '${l.id}'`);
            l.expired = true;
          } else {
            const expected = reclaim();
            expect(await db.globalConcurrencyLimits.reclaimExpiredLeases()).toBe(expected);
            for (const n of Object.keys(LIMITS) as Name[]) {
              expect((await db.globalConcurrencyLimits.getByName(full(n)))!.activeSlots).toBe(active(n));
            }
          }
        }
        // The invariant once more at the end, after a final reclaim.
        expect(await db.globalConcurrencyLimits.reclaimExpiredLeases()).toBe(reclaim());
        for (const n of Object.keys(LIMITS) as Name[]) {
          expect((await db.globalConcurrencyLimits.getByName(full(n)))!.activeSlots).toBe(active(n));
        }
        const live = leases
          .filter((l) => l.alive)
          .map((l) => l.id)
          .sort();
        const listed: string[] = [];
        for (const n of Object.keys(LIMITS) as Name[]) {
          const found = await db.globalConcurrencyLimits.listLeases({ where: { name: full(n) } });
          listed.push(...found.map((l) => l.id));
        }
        expect([...new Set(listed)].sort()).toEqual(live);
      }),
      { numRuns: 200 },
    );
  }, 300_000);
});
