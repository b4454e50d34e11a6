/**
 * Global concurrency limits and their leases (data-model.md "Global concurrency limits and
 * leases", semantics.md §6). Counters are changed only through `LockedLimits` (limits/locked.ts):
 * rows locked in name order, decayed on their own clock, written once. Names starting `tag:` belong
 * to the tag API (concurrency-limits.ts) and are invisible here.
 */
import { and, asc, eq, gt, isNull, lte, not, or, sql } from 'drizzle-orm';
import { type Executor, LATER } from '../dialect/dialect.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { RepositoryContext } from './context.js';
import {
  type AcquireInput,
  type AcquireResult,
  type GlobalLimitCreate,
  type GlobalLimitList,
  type GlobalLimitUpdate,
  type Lease,
  type ListLeasesInput,
  type ReleaseInput,
  acquireInput,
  globalLimitCount,
  globalLimitCreate,
  globalLimitList,
  globalLimitUpdate,
  leaseId,
  leaseSeconds,
  limitName,
  listLeasesInput,
  releaseInput,
  releaseLeaseOptions,
} from './limits/inputs.js';
import { LEASE_BATCH, LockedLimits, isTagName, refuseTagLease, releaseLeaseBatch } from './limits/locked.js';
import { checkActiveSlots } from './limits/active-slots.js';
import { acquireLocked, releaseLocked } from './limits/general.js';
import { releaseLeaseFast } from './limits/lease-release.js';
import {
  acquireInOneStatement,
  acquireNowOnSqlite,
  releaseAlone,
  releaseInOneStatement,
  releaseNowOnSqlite,
} from './limits/one-statement.js';
import { type GlobalConcurrencyLimit, decayedViews, describeLeases, limitView } from './limits/views.js';
import { paged } from './sorting.js';
import { parse, uuid } from './validation.js';
import { columnsOf, readRows } from './table-rows.js';

/**
 * `db.globalConcurrencyLimits`: named limits, slot acquisition, rate limits and leases
 * (docs/limits.md). Bad input is a `ValidationError` with nothing written; a missing limit or lease
 * a `NotFoundError`; a taken name or an expired lease's renewal a `ConflictError`.
 *
 * ```ts
 * await db.globalConcurrencyLimits.create({ name: 'warehouse', limit: 5 });
 * const r = await db.globalConcurrencyLimits.acquire({ names: ['warehouse'], slots: 1, leaseSeconds: 60 });
 * if (r.acquired) await db.globalConcurrencyLimits.releaseLease(r.leaseId!, { occupancySeconds: 3 });
 * else console.log(`retry in ${r.retryAfterSeconds} s; full: ${r.blockedBy}`);
 * ```
 */
export class GlobalConcurrencyLimitRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private get t() {
    return this.ctx.tables.concurrencyLimitV2;
  }

  private get l() {
    return this.ctx.tables.concurrencyLease;
  }

  /** Creates a limit; a taken name is a ConflictError. The decay clock starts now. */
  async create(input: GlobalLimitCreate): Promise<GlobalConcurrencyLimit> {
    const data = parse(globalLimitCreate, input, 'concurrency limit');
    const now = new Date();
    return this.ctx.run(async (q) => {
      const [row] = await q
        .insert(this.t)
        .values({ ...data, slotDecayAt: now, created: now, updated: now })
        .returning();
      return limitView(row!);
    });
  }

  async get(id: string): Promise<GlobalConcurrencyLimit | null> {
    const limitId = parse(uuid, id, 'concurrency limit id');
    return this.ctx.run(async (q) => {
      const [row] = await q
        .select()
        .from(this.t)
        .where(and(eq(this.t.id, limitId), not(isTagName(this.t.name))));
      return row ? (await decayedViews(this.ctx, q, [row]))[0]! : null;
    });
  }

  async getByName(name: string): Promise<GlobalConcurrencyLimit | null> {
    const wanted = parse(limitName, name, 'concurrency limit name');
    return this.ctx.run(async (q) => {
      const [row] = await q.select().from(this.t).where(eq(this.t.name, wanted));
      return row ? (await decayedViews(this.ctx, q, [row]))[0]! : null;
    });
  }

  /** Limits in name order (tag limits excluded). */
  async list(options: GlobalLimitList = {}): Promise<GlobalConcurrencyLimit[]> {
    const o = parse(globalLimitList, options, 'concurrency limit list options');
    const now = new Date();
    return this.ctx.run(async (q) => {
      const query = q.select().from(this.t).where(this.filter(o.where)).orderBy(asc(this.t.name)).$dynamic();
      const paging = paged(query, o, this.ctx.fragments);
      const rows = await readRows<typeof this.t.$inferSelect>(this.ctx, q, paging, columnsOf(this.t));
      return decayedViews(this.ctx, q, rows, now);
    });
  }

  async count(options: { where?: GlobalLimitList['where'] } = {}): Promise<number> {
    const o = parse(globalLimitCount, options, 'concurrency limit count options');
    return this.ctx.run(async (q) => {
      const [row] = await q.select({ n: sql<number>`count(*)` }).from(this.t).where(this.filter(o.where));
      return Number(row?.n ?? 0);
    });
  }

  private filter(where: { active?: boolean } | undefined) {
    return and(
      not(isTagName(this.t.name)),
      where?.active === undefined ? undefined : eq(this.t.active, where.active),
    );
  }

  /**
   * Changes a limit. Its counters are decayed to now first; a new decay rate restarts the decay
   * clock, so slots are not decayed retroactively at the new rate.
   */
  async update(id: string, patch: GlobalLimitUpdate): Promise<GlobalConcurrencyLimit> {
    const limitId = parse(uuid, id, 'concurrency limit id');
    const data = parse(globalLimitUpdate, patch, 'concurrency limit update');
    return this.ctx.transaction(async (q) => {
      // Expired leases are reclaimed first, as acquire does: their slots are not held any more,
      // so neither the new counters nor the activeSlots check below should count them.
      const locked = await LockedLimits.forIdsReclaiming(this.ctx, q, [limitId]);
      const row = locked.rows.find((r) => r.id === limitId);
      if (!row || row.name.startsWith('tag:')) throw new NotFoundError('concurrency limit', limitId);
      if (data.activeSlots !== undefined)
        await checkActiveSlots(this.ctx, q, row, data.limit, data.activeSlots, locked.now);
      // The reclaim may have given slots back on other limits its leases spanned, too.
      await locked.flush();
      const d = locked.state(limitId);
      const rateChanged =
        data.slotDecayPerSecond !== undefined && data.slotDecayPerSecond !== row.slotDecayPerSecond;
      const [updated] = await q
        .update(this.t)
        .set({
          activeSlots: d.activeSlots,
          deniedSlots: d.deniedSlots,
          slotDecayAt: rateChanged ? locked.now : d.slotDecayAt,
          ...data,
          updated: locked.now,
        })
        .where(eq(this.t.id, limitId))
        .returning();
      return limitView(updated!);
    });
  }

  /** Deletes a limit (NotFoundError when there is none). Leases on it stay until released or reclaimed. */
  async delete(id: string): Promise<void> {
    const limitId = parse(uuid, id, 'concurrency limit id');
    await this.ctx.run(async (q) => {
      const deleted = await q
        .delete(this.t)
        .where(and(eq(this.t.id, limitId), not(isTagName(this.t.name))))
        .returning({ id: this.t.id });
      if (deleted.length === 0) throw new NotFoundError('concurrency limit', limitId);
    });
  }

  /**
   * Takes `slots` on every named active limit, or on none (all-or-nothing). Unknown and inactive
   * limits impose nothing. A limit of 0 answers `{ acquired: false, retryAfterSeconds: null }` at
   * once; then `slots` above a limit, and `rate_limit` mode on a limit without decay, are
   * ValidationErrors. A denial records `slots` as denied on every active limit named and answers
   * Prefect's retry estimate. With `leaseSeconds` (or a `holder`) the slots are held by a lease,
   * whose id comes back; without `leaseSeconds` the lease has no TTL.
   */
  async acquire(input: AcquireInput): Promise<AcquireResult> {
    const data = parse(acquireInput, input, 'concurrency limit acquire');
    const names = [...new Set(data.names)];
    // The common case in one conditional statement (limits/one-statement.ts); the rest in
    // limits/general.ts. With a lease, a grant writes it too: in the same statement on PostgreSQL,
    // by a second one in the same transaction on SQLite.
    const oneStatement = names.length === 1 && data.mode !== 'rate_limit';
    const lease =
      data.leaseSeconds === undefined && data.holder === undefined
        ? undefined
        : { leaseSeconds: data.leaseSeconds, holder: data.holder };
    const general = (q: Executor) => acquireLocked(this.ctx, q, names, data);
    if (oneStatement && !this.ctx.inTransaction()) {
      if (!this.ctx.rowLocking && !lease) {
        // SQLite with nothing queued: the statements now, without the awaited call's promises and
        // frame (issue 13); undefined wrote nothing, and the general path decides afresh.
        const now = this.ctx.statementNow((q) => acquireNowOnSqlite(this.ctx, q, names[0]!, data.slots));
        if (now !== LATER) return now ?? this.ctx.transaction(general);
        // SQLite on its own: the statements commit by themselves, with no BEGIN/COMMIT around
        // them; when they do not decide, the general path's transaction opens within the same
        // call, which holds the handle's gate throughout, so no call started later runs between
        // the two (transaction-model.test.ts).
        return this.ctx.statement(
          async (q) =>
            (await acquireInOneStatement(this.ctx, q, names[0]!, data.slots, false)) ??
            this.ctx.transaction(general),
        );
      }
      // Alone on its own PostgreSQL connection, the statement commits by itself.
      if (this.ctx.rowLocking) {
        const fast = await this.ctx.statement((q) =>
          acquireInOneStatement(this.ctx, q, names[0]!, data.slots, true, lease),
        );
        if (fast) return fast;
      }
    }
    // Inside a transaction the statement runs in the same unit as the general path, so a call
    // started later cannot run between the two; on SQLite a lease's grant and insert commit together.
    const shared = this.ctx.inTransaction() || !this.ctx.rowLocking;
    return this.ctx.transaction(async (q) => {
      if (oneStatement && shared) {
        const fast = await acquireInOneStatement(this.ctx, q, names[0]!, data.slots, false, lease);
        if (fast) return fast;
      }
      return general(q);
    });
  }

  /**
   * Gives back `slots` taken without a lease on every named active limit (never below 0). With
   * `occupancySeconds` (how long the slots were held in all), the average occupancy moves toward
   * it. Unknown and inactive limits are ignored. Like `acquire`, it first reclaims the expired
   * leases on the named limits.
   */
  async release(input: ReleaseInput): Promise<void> {
    const data = parse(releaseInput, input, 'concurrency limit release');
    const names = [...new Set(data.names)];
    const general = (q: Executor) => releaseLocked(this.ctx, q, names, data);
    // The common case in one conditional UPDATE (limits/one-statement.ts). On its own it needs no
    // transaction of the library's (SQLite), or one sent in a single trip (PostgreSQL); when it
    // does not decide, the general path runs within the same call.
    if (names.length === 1 && !this.ctx.inTransaction()) {
      if (!this.ctx.rowLocking) {
        // SQLite with nothing queued: the UPDATE now (as `acquire`); false wrote nothing.
        const now = this.ctx.statementNow((q) =>
          releaseNowOnSqlite(this.ctx, q, names[0]!, data.slots, data.occupancySeconds),
        );
        if (now === true) return;
        if (now === false) return this.ctx.transaction(general);
      }
      const done = await this.ctx.statement(async (q) => {
        const released = await releaseAlone(this.ctx, q, names[0]!, data.slots, data.occupancySeconds);
        if (released === false) await this.ctx.transaction(general);
        return released !== undefined;
      });
      if (done) return;
    }
    // Inside a transaction: on PostgreSQL after the row lock it needs; on SQLite in the same unit
    // as the general path, so a call started later cannot run between the two.
    await this.ctx.transaction(async (q) => {
      if (
        names.length === 1 &&
        (await releaseInOneStatement(this.ctx, q, names[0]!, data.slots, data.occupancySeconds))
      )
        return;
      await general(q);
    });
  }

  /**
   * Extends a lease to `leaseSeconds` from now. A lease already expired is a ConflictError (its
   * slots may be reclaimed at any moment); one that does not exist (released or reclaimed) is a
   * NotFoundError.
   */
  async renewLease(id: string, seconds: number): Promise<void> {
    const lease = parse(leaseId, id, 'lease id');
    const ttl = parse(leaseSeconds, seconds, 'lease seconds');
    await this.ctx.transaction(async (q) => {
      await refuseTagLease(this.ctx, q, lease);
      const now = new Date();
      const renewed = await q
        .update(this.l)
        .set({ expiresAt: new Date(now.getTime() + ttl * 1000), updated: now })
        .where(and(eq(this.l.id, lease), or(isNull(this.l.expiresAt), gt(this.l.expiresAt, now))))
        .returning({ id: this.l.id });
      if (renewed.length > 0) return;
      const [found] = await q.select({ id: this.l.id }).from(this.l).where(eq(this.l.id, lease));
      if (found)
        throw new ConflictError(
          'concurrency lease',
          'lease_expired',
          `Lease ${lease} has expired and cannot be renewed`,
        );
      throw new NotFoundError('concurrency lease', lease);
    });
  }

  /**
   * Releases a lease: deletes it and gives its slots back on each of its limits (with
   * `occupancySeconds`, as `release`). A lease that does not exist (released, or reclaimed once
   * expired) is a NotFoundError.
   */
  async releaseLease(id: string, options: { occupancySeconds?: number } = {}): Promise<void> {
    const lease = parse(leaseId, id, 'lease id');
    const o = parse(releaseLeaseOptions, options, 'lease release options');
    // The common lease in hand-built statements (limits/lease-release.ts): one on PostgreSQL (in a
    // savepoint inside a caller's transaction), two in the transaction below on SQLite. What they
    // do not cover (a tag lease, a decaying limit, no such lease) they leave to the general path.
    if (
      this.ctx.rowLocking &&
      (await this.ctx.statement((q) => releaseLeaseFast(this.ctx, q, lease, o.occupancySeconds)))
    )
      return;
    await this.ctx.transaction(async (q) => {
      if (!this.ctx.rowLocking && (await releaseLeaseFast(this.ctx, q, lease, o.occupancySeconds))) return;
      const [found] = await q.select().from(this.l).where(eq(this.l.id, lease));
      if (!found) throw new NotFoundError('concurrency lease', lease);
      await refuseTagLease(this.ctx, q, lease);
      const locked = await LockedLimits.forIds(this.ctx, q, found.limitIds);
      const deleted = await locked.settle([lease], {
        expiredOnly: false,
        occupancySeconds: o.occupancySeconds,
      });
      if (deleted.length === 0) throw new NotFoundError('concurrency lease', lease);
      await locked.flush();
    });
  }

  /**
   * Releases every expired lease (its slots go back to its limits) and returns how many. Meant to
   * run periodically (docs/limits.md); `acquire` also reclaims on the limits it touches. Works in
   * batches, each its own transaction.
   */
  async reclaimExpiredLeases(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = new Date();
      const batch = await this.ctx.run((q) =>
        q
          .select({ id: this.l.id, limitIds: this.l.limitIds })
          .from(this.l)
          .where(lte(this.l.expiresAt, now))
          .orderBy(asc(this.l.expiresAt), asc(this.l.id))
          .limit(LEASE_BATCH),
      );
      total += await releaseLeaseBatch(this.ctx, batch, true);
      if (batch.length < LEASE_BATCH) return total;
    }
  }

  /** Leases (tag leases included), oldest first: holders, slots and expiry. */
  async listLeases(options: ListLeasesInput = {}): Promise<Lease[]> {
    const o = parse(listLeasesInput, options, 'lease list options');
    return this.ctx.run(async (q) => {
      const w = o.where ?? {};
      const now = new Date();
      let limitId: string | undefined;
      if (w.name !== undefined) {
        const [limit] = await q.select({ id: this.t.id }).from(this.t).where(eq(this.t.name, w.name));
        if (!limit) return [];
        limitId = limit.id;
      }
      const query = q
        .select()
        .from(this.l)
        .where(
          and(
            limitId === undefined
              ? undefined
              : this.ctx.fragments.jsonListContainsAny(this.l.limitIds, [limitId]),
            w.holder === undefined ? undefined : eq(this.l.holderType, w.holder.type),
            w.holder?.id === undefined ? undefined : eq(this.l.holderId, w.holder.id),
            w.expired === undefined
              ? undefined
              : w.expired
                ? lte(this.l.expiresAt, now)
                : or(isNull(this.l.expiresAt), gt(this.l.expiresAt, now)),
          ),
        )
        .orderBy(asc(this.l.created), asc(this.l.id))
        .$dynamic();
      const rows = await paged(query, o, this.ctx.fragments);
      return describeLeases(this.ctx, q, rows);
    });
  }
}
