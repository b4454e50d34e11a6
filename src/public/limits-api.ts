/** The public interfaces of `db.globalConcurrencyLimits` and `db.concurrencyLimits` (docs/limits.md). */
import type {
  AcquireInput,
  AcquireResult,
  ConcurrencyLimit,
  GlobalConcurrencyLimit,
  GlobalLimitCreate,
  GlobalLimitList,
  GlobalLimitUpdate,
  Lease,
  ListLeasesInput,
  ReleaseInput,
  TagAcquireInput,
  TagLimitCreate,
} from './limits.js';

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
export interface GlobalConcurrencyLimitRepository {
  /**
   * Creates a limit; a taken name is a ConflictError. The decay clock starts now.
   * @example await db.globalConcurrencyLimits.create({ name: 'warehouse', limit: 5 });
   */
  create(input: GlobalLimitCreate): Promise<GlobalConcurrencyLimit>;
  /**
   * The limit with this id, or null.
   * @example const limit = await db.globalConcurrencyLimits.get(id);
   */
  get(id: string): Promise<GlobalConcurrencyLimit | null>;
  /**
   * The limit with this name, or null.
   * @example const limit = await db.globalConcurrencyLimits.getByName('warehouse');
   */
  getByName(name: string): Promise<GlobalConcurrencyLimit | null>;
  /**
   * Limits in name order (tag limits excluded).
   * @example const active = await db.globalConcurrencyLimits.list({ where: { active: true } });
   */
  list(options?: GlobalLimitList): Promise<GlobalConcurrencyLimit[]>;
  /**
   * How many limits match `where`.
   * @example const n = await db.globalConcurrencyLimits.count();
   */
  count(options?: { where?: GlobalLimitList['where'] }): Promise<number>;
  /**
   * Changes a limit. Its counters are decayed to now first; a new decay rate restarts the decay
   * clock, so slots are not decayed retroactively at the new rate.
   * @example await db.globalConcurrencyLimits.update(limit.id, { limit: 10 });
   */
  update(id: string, patch: GlobalLimitUpdate): Promise<GlobalConcurrencyLimit>;
  /**
   * Deletes a limit (NotFoundError when there is none). Leases on it stay until released or reclaimed.
   * @example await db.globalConcurrencyLimits.delete(limit.id);
   */
  delete(id: string): Promise<void>;
  /**
   * Takes `slots` on every named active limit, or on none (all-or-nothing). Unknown and inactive
   * limits impose nothing. A limit of 0 answers `{ acquired: false, retryAfterSeconds: null }` at
   * once; then `slots` above a limit, and `rate_limit` mode on a limit without decay, are
   * ValidationErrors. A denial records `slots` as denied on every active limit named and answers
   * Prefect's retry estimate. With `leaseSeconds` (or a `holder`) the slots are held by a lease,
   * whose id comes back; without `leaseSeconds` the lease has no TTL.
   * @example const r = await db.globalConcurrencyLimits.acquire({ names: ['warehouse'], slots: 1, leaseSeconds: 60 });
   */
  acquire(input: AcquireInput): Promise<AcquireResult>;
  /**
   * Gives back `slots` taken without a lease on every named active limit (never below 0). With
   * `occupancySeconds` (how long the slots were held in all), the average occupancy moves toward
   * it. Unknown and inactive limits are ignored. Like `acquire`, it first reclaims the expired
   * leases on the named limits.
   * @example await db.globalConcurrencyLimits.release({ names: ['warehouse'], slots: 1, occupancySeconds: 2.5 });
   */
  release(input: ReleaseInput): Promise<void>;
  /**
   * Extends a lease to `leaseSeconds` from now. A lease already expired is a ConflictError (its
   * slots may be reclaimed at any moment); one that does not exist (released or reclaimed) is a
   * NotFoundError.
   * @example await db.globalConcurrencyLimits.renewLease(leaseId, 60);
   */
  renewLease(id: string, seconds: number): Promise<void>;
  /**
   * Releases a lease: deletes it and gives its slots back on each of its limits (with
   * `occupancySeconds`, as `release`). A lease that does not exist (released, or reclaimed once
   * expired) is a NotFoundError.
   * @example await db.globalConcurrencyLimits.releaseLease(leaseId, { occupancySeconds: 3 });
   */
  releaseLease(id: string, options?: { occupancySeconds?: number }): Promise<void>;
  /**
   * Releases every expired lease (its slots go back to its limits) and returns how many. Meant to
   * run periodically (docs/limits.md); `acquire` also reclaims on the limits it touches. Works in
   * batches, each its own transaction.
   * @example setInterval(() => db.globalConcurrencyLimits.reclaimExpiredLeases(), 30_000);
   */
  reclaimExpiredLeases(): Promise<number>;
  /**
   * Leases (tag leases included), oldest first: holders, slots and expiry.
   * @example const leases = await db.globalConcurrencyLimits.listLeases({ where: { name: 'warehouse' } });
   */
  listLeases(options?: ListLeasesInput): Promise<Lease[]>;
}

/**
 * `db.concurrencyLimits`: tag limits held by task runs (docs/limits.md). Bad input is a
 * `ValidationError` with nothing written; an unknown limit a `NotFoundError`.
 *
 * ```ts
 * await db.concurrencyLimits.create({ tag: 'database', limit: 10 });
 * const r = await db.concurrencyLimits.acquire({ taskRunId, tags: ['database', 'api'] });
 * // ... later, or let a periodic releaseFinished() do it once the task run is terminal
 * await db.concurrencyLimits.release({ taskRunId, tags: ['database', 'api'] });
 * ```
 */
export interface ConcurrencyLimitRepository {
  /**
   * Creates the limit of a tag, or sets the limit of an existing one (an upsert by tag, as Prefect's).
   * @example await db.concurrencyLimits.create({ tag: 'database', limit: 10 });
   */
  create(input: TagLimitCreate): Promise<ConcurrencyLimit>;
  /**
   * The tag limit with this id, or null.
   * @example const limit = await db.concurrencyLimits.get(id);
   */
  get(id: string): Promise<ConcurrencyLimit | null>;
  /**
   * The limit of this tag, or null.
   * @example const limit = await db.concurrencyLimits.getByTag('database');
   */
  getByTag(tag: string): Promise<ConcurrencyLimit | null>;
  /**
   * Tag limits in tag order.
   * @example const limits = await db.concurrencyLimits.list({ limit: 100 });
   */
  list(options?: { limit?: number; offset?: number }): Promise<ConcurrencyLimit[]>;
  /**
   * Deletes a tag limit and the task runs' leases on it; NotFoundError when there is none.
   * @example await db.concurrencyLimits.delete(limit.id);
   */
  delete(id: string): Promise<void>;
  /**
   * Frees every slot of a tag (its task runs' leases go, active and denied slots become 0).
   * @example await db.concurrencyLimits.reset('database');
   */
  reset(tag: string): Promise<ConcurrencyLimit>;
  /**
   * Takes one slot of every tag's limit for the task run, or none (all-or-nothing). Tags without a
   * limit (or an inactive one) impose nothing; tags the run already holds are not taken again. A
   * limit of 0 answers `{ acquired: false, retryAfterSeconds: null }` at once.
   * @example const r = await db.concurrencyLimits.acquire({ taskRunId: task.id, tags: ['database'] });
   */
  acquire(input: TagAcquireInput): Promise<AcquireResult>;
  /**
   * Frees the task run's slots on these tags (tags it does not hold are ignored).
   * @example await db.concurrencyLimits.release({ taskRunId: task.id, tags: ['database'] });
   */
  release(input: TagAcquireInput): Promise<void>;
  /**
   * Frees the slots of task runs in a terminal state (COMPLETED, FAILED, CANCELLED, CRASHED) and of
   * task runs that no longer exist; returns how many leases it released. Meant to run periodically
   * (docs/limits.md). Works in batches, each its own transaction.
   * @example setInterval(() => db.concurrencyLimits.releaseFinished(), 30_000);
   */
  releaseFinished(): Promise<number>;
  /**
   * The task runs' leases (no TTL), for operators: same shape as `globalConcurrencyLimits.listLeases`.
   * @example const leases = await db.concurrencyLimits.listLeases('database');
   */
  listLeases(tag: string): Promise<Lease[]>;
}
