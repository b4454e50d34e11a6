/**
 * The common acquire and release as conditional UPDATEs (issue 13, "Performance"): one name, a
 * limit without slot decay, no expired lease on the limit; an acquire with a lease too, whose
 * grant also inserts the lease (in the same statement on PostgreSQL; lease-release.ts releases
 * it). The general path (`LockedLimits`) takes five or six round trips (BEGIN, a probe for
 * expired leases, the locked read, the leased slots, the write, COMMIT) and builds each query with
 * Drizzle; here the decision is made by the database in the statement that writes, as `decay()`
 * (decay.ts) makes it:
 *
 * - acquire: `UPDATE ... SET active_slots = active_slots + n WHERE active_slots + n <= limit` with
 *   the decay of denied slots computed in SQL; when it updates nothing, a second UPDATE records
 *   the denial `WHERE active_slots + n > limit`. Each is atomic by itself (a row lock, and on
 *   PostgreSQL the condition is checked again on the newest row version when the lock was waited
 *   for), so no read-modify-write runs in JavaScript.
 * - release: the same UPDATE that gives back `min(n, active − leased)`. The leased slots are read
 *   by the statement; on PostgreSQL a statement's subqueries see its starting snapshot, which may
 *   miss a lease committed while it waited for the row, so the row is locked first by a statement
 *   of its own (any lease on the limit was inserted by a transaction that held that lock).
 *
 * Whatever they do not cover (several names, decay, rate_limit mode, a limit of 0 or inactive,
 * input the general path refuses, a denial at the cap of denied slots), they update nothing and the caller
 * runs the general path: the results are the same either way (limits-model tests).
 *
 * The texts are built once per dialect and sent with parameters, so postgres.js keeps them prepared
 * per connection and better-sqlite3 per handle (statement-cache.ts). On PostgreSQL the parameters
 * come in through a one-row `FROM (SELECT ...) AS p`; on SQLite they are named (`@n`), bound once
 * from an object each: SQLite materialises an `UPDATE ... FROM (SELECT ...)`'s row into a
 * temporary table on every execution (`MATERIALIZE p` in its plan), which took up to 3-4x the CPU
 * of the whole UPDATE without it (issue 13: 99 against 27 µs per grant in one run).
 */
import type { Executor } from '../../dialect/dialect.js';
import type { RepositoryContext } from '../context.js';
import { type LimitRow, retryAfterSeconds } from './decay.js';
import type { AcquireResult } from './inputs.js';
import { MAX_COUNT } from './inputs.js';
import { uuidv7 } from '../../schema/uuid.js';
import { type Spelling, decayTerms, spellingOf } from './spelling.js';

interface Texts {
  /** PostgreSQL: the whole acquire, granted or denied, in one statement (see `build`). */
  acquire: string | undefined;
  /**
   * `acquire` for a statement that is its own transaction: a denial's commit does not wait for
   * its WAL to reach the disk (see `build`).
   */
  acquireAlone: string | undefined;
  /** `acquire` and `acquireAlone` that also insert the lease of a grant (PostgreSQL). */
  acquireLease: string | undefined;
  acquireLeaseAlone: string | undefined;
  grant: string;
  /** SQLite: the lease of a grant, inserted after `grant` in the same transaction. */
  insertLease: string;
  deny: string;
  lock: string;
  release: string;
}

const built = new Map<string, Texts>();

/** The statements of a dialect (built on first use). */
function texts(ctx: RepositoryContext): Texts {
  const key = ctx.dialect.name;
  let t = built.get(key);
  if (!t) {
    t = build(spellingOf(ctx));
    built.set(key, t);
  }
  return t;
}

/** The statements, on `decayTerms`. */
function build(s: Spelling): Texts {
  const { greatest: G, least: L, returned: r, p } = s;
  const { denied, clock, average: averageOf } = decayTerms(s);
  const covered = `c.name = ${p.name} and c.active and c.slot_decay_per_second = 0`;
  // An acquire of more slots than the limit is the general path's; a release gives back any number.
  const eligible = `${covered} and ${p.n} <= c."limit" and not ${s.expiredLease}`;
  const releasable = `${covered} and not ${s.expiredLease}`;
  const from = s.params === undefined ? '' : `from (${s.params}) as p`;
  const fits = `c.active_slots + ${p.n} <= c."limit"`;
  const given = `${L}(${p.n}, ${G}(0, c.active_slots - ${s.leased}))`;
  const average = averageOf(given);
  const clockAndCounters = `denied_slots = ${denied}, slot_decay_at = ${clock}, updated = ${p.nowTs}`;
  // PostgreSQL: the row is locked and decided on by a `SELECT ... FOR UPDATE` (which, having waited
  // for the lock, evaluates its list on the newest row version), and written by the UPDATE beside
  // it, so a denial is one statement too and the counters before the write come back as they were.
  // With a lease, a grant inserts it in the same statement, after the limit's row is locked (as
  // every path locks limits before leases); a denial inserts nothing. Its id, expiry and holder
  // come as $6-$9, its times are the clock's.
  const insertLease =
    ', ins as (insert into concurrency_lease (id, created, updated, limit_ids, slots, expires_at, holder_type, holder_id) select $6::uuid, p.now_ts, p.now_ts, jsonb_build_array(cur.id::text), p.n, $7::timestamptz, $8::text, $9::text from cur, p where cur.fits)';
  const acquire = (outputs: string, lease = '') =>
    `with p as (${s.params}), cur as (select c.id, ${fits} as fits, ${denied} as d, ${clock} as at, c."limit" as lim, c.avg_slot_occupancy_seconds as avg, c.name as nm from concurrency_limit_v2 c, p where ${eligible} and (${fits} or ${denied} + p.n <= ${MAX_COUNT}) for update of c), u as (update concurrency_limit_v2 c set active_slots = c.active_slots + case when cur.fits then p.n else 0 end, denied_slots = case when cur.fits then cur.d else cur.d + p.n end, slot_decay_at = cur.at, updated = p.now_ts from cur, p where c.id = cur.id returning c.id)${lease} select ${outputs} from cur join u on u.id = cur.id`;
  const outputs = 'cur.fits, cur.d, cur.lim, cur.avg, cur.nm';
  const asynchronousDenial = `${outputs}, case when cur.fits then null else set_config('synchronous_commit', 'off', true) end`;
  return {
    acquire: s.writableCte ? acquire(outputs) : undefined,
    // A denial writes only the denied count, which feeds nothing but the retry estimate. Waiting
    // for its WAL flush held the limit's row lock through 3-8 ms on this disk, so every attempt on
    // a busy limit queued behind the last denial's flush (bench limits-16-workers: 378 attempts/s,
    // the raw driver 3,059 without recording denials, 653 with). Standing alone, the statement is
    // its transaction, and `set_config(..., true)` lasts until its commit: a denial commits without
    // waiting for the disk (PostgreSQL's asynchronous commit; a server crash can lose the last
    // fraction of a second of denials, never a grant or a release). Inside a caller's transaction
    // it would change the caller's commit, so there `acquire` is used.
    acquireAlone: s.writableCte ? acquire(asynchronousDenial) : undefined,
    acquireLease: s.writableCte ? acquire(outputs, insertLease) : undefined,
    acquireLeaseAlone: s.writableCte ? acquire(asynchronousDenial, insertLease) : undefined,
    insertLease:
      'insert into concurrency_lease (id, created, updated, limit_ids, slots, expires_at, holder_type, holder_id) values (@id, @now, @now, json_array(@limit_id), @n, @expires_at, @holder_type, @holder_id)',
    grant: `update concurrency_limit_v2 as c set active_slots = c.active_slots + ${p.n}, ${clockAndCounters} ${from} where ${eligible} and ${fits} returning ${r('id')}`,
    // The denial is recorded only below the cap, where the denied count before it is `new − n`
    // (Prefect's estimate reads it before the denial); at the cap the general path answers.
    deny: `update concurrency_limit_v2 as c set denied_slots = ${denied} + ${p.n}, slot_decay_at = ${clock}, updated = ${p.nowTs} ${from} where ${eligible} and not (${fits}) and ${denied} + ${p.n} <= ${MAX_COUNT} returning ${r('denied_slots')}, ${r('"limit"')}, ${r('avg_slot_occupancy_seconds')}, ${r('name')}`,
    lock: 'select 1 from concurrency_limit_v2 where name = $1 for update',
    // Nothing to give back (every slot leased, or none held) writes nothing, as in the general path.
    release: `update concurrency_limit_v2 as c set active_slots = c.active_slots - ${given}, avg_slot_occupancy_seconds = ${average}, ${clockAndCounters} ${from} where ${releasable} and ${given} > 0 returning ${r('id')}`,
  };
}

/**
 * The statements' parameters, read now: positional on PostgreSQL (the clock's column value as ISO
 * text), one object of named values on SQLite (the clock in ms, as its column stores it).
 */
function bind(
  ctx: RepositoryContext,
  name: string,
  slots: number,
  occupancySeconds: number | null,
  now = new Date(),
): unknown[] {
  const ms = now.getTime();
  if (ctx.dialect.name === 'sqlite')
    return [{ limit_name: name, n: slots, now_ms: ms, now_ts: ms, occ: occupancySeconds }];
  return [name, slots, ms, now.toISOString(), occupancySeconds];
}

/** The lease an acquire asks for: its TTL (none: no expiry) and holder. */
export interface LeaseAsked {
  leaseSeconds: number | undefined;
  holder: { type: string; id: string } | undefined;
}

/**
 * Acquires `slots` on the limit `name` in one statement (two for a denial on SQLite), or returns
 * undefined having written nothing when the limit is not one this path covers (see the file's
 * comment). `alone`: the statement is its own transaction (PostgreSQL, outside `db.transaction`),
 * so a denial may commit asynchronously. With `lease`, a grant also writes the lease the general
 * path would (same id scheme, times, expiry and holder): in the same statement on PostgreSQL; on
 * SQLite by a second statement, so the caller must run this in a transaction.
 */
export async function acquireInOneStatement(
  ctx: RepositoryContext,
  q: Executor,
  name: string,
  slots: number,
  alone: boolean,
  lease?: LeaseAsked,
): Promise<AcquireResult | undefined> {
  const t = texts(ctx);
  const now = new Date();
  const params = bind(ctx, name, slots, null, now);
  const leaseRow = lease && leaseValues(lease, now);
  const acquire = leaseRow
    ? alone
      ? t.acquireLeaseAlone
      : t.acquireLease
    : alone
      ? t.acquireAlone
      : t.acquire;
  if (!acquire) return acquireOnSqlite(ctx, q, slots, now, params, leaseRow);
  if (leaseRow)
    params.push(
      leaseRow.id,
      leaseRow.expiresAt?.toISOString() ?? null,
      leaseRow.holderType,
      leaseRow.holderId,
    );
  const [row] = await ctx.dialect.queryArrays(q, acquire, params);
  if (!row) return undefined;
  const [fits, denied, limit, avg, limitName] = row as [boolean, number, number, number, string];
  if (fits) return leaseRow ? { acquired: true, leaseId: leaseRow.id } : { acquired: true };
  return denialOf({ denied, limit, avg, name: limitName }, slots);
}

/**
 * `acquireInOneStatement` on SQLite, synchronously (Dialect.textNow): the grant, then the lease of
 * a grant (so with a lease the caller runs it in a transaction), else the denial. Undefined having
 * written nothing when the general path must decide.
 */
export function acquireNowOnSqlite(
  ctx: RepositoryContext,
  q: Executor,
  name: string,
  slots: number,
  lease?: LeaseAsked,
): AcquireResult | undefined {
  const now = new Date();
  return acquireOnSqlite(
    ctx,
    q,
    slots,
    now,
    bind(ctx, name, slots, null, now),
    lease && leaseValues(lease, now),
  );
}

function acquireOnSqlite(
  ctx: RepositoryContext,
  q: Executor,
  slots: number,
  now: Date,
  params: unknown[],
  leaseRow: ReturnType<typeof leaseValues> | undefined,
): AcquireResult | undefined {
  const t = texts(ctx);
  const text = ctx.dialect.textNow!;
  const [grant] = text.queryArrays(q, t.grant, params);
  if (grant) {
    if (!leaseRow) return { acquired: true };
    text.runText(q, t.insertLease, [
      {
        id: leaseRow.id,
        now: now.getTime(),
        limit_id: grant[0],
        n: slots,
        expires_at: leaseRow.expiresAt?.getTime() ?? null,
        holder_type: leaseRow.holderType,
        holder_id: leaseRow.holderId,
      },
    ]);
    return { acquired: true, leaseId: leaseRow.id };
  }
  const [row] = text.queryArrays(q, t.deny, params);
  if (!row) return undefined;
  const [deniedAfter, limit, avg, limitName] = row as [number, number, number, string];
  return denialOf({ denied: deniedAfter - slots, limit, avg, name: limitName }, slots);
}

/** A denial's answer from the limit's counters before it: Prefect's retry estimate (decay.ts). */
function denialOf(
  denial: { denied: number; limit: number; avg: number; name: string },
  slots: number,
): AcquireResult {
  const decayed = { activeSlots: 0, deniedSlots: denial.denied, slotDecayAt: new Date() };
  const limitRow = {
    limit: denial.limit,
    slotDecayPerSecond: 0,
    avgSlotOccupancySeconds: denial.avg,
  } as LimitRow;
  return {
    acquired: false,
    retryAfterSeconds: retryAfterSeconds([{ row: limitRow, decayed }], slots),
    blockedBy: [denial.name],
  };
}

/** The lease row's own values, as the general path computes them from the call's clock. */
function leaseValues(lease: LeaseAsked, now: Date) {
  return {
    id: uuidv7(),
    expiresAt: lease.leaseSeconds === undefined ? null : new Date(now.getTime() + lease.leaseSeconds * 1000),
    holderType: lease.holder?.type ?? null,
    holderId: lease.holder?.id ?? null,
  };
}

/**
 * Gives back up to `slots` unleased slots on the limit `name` (inside the caller's transaction `q`:
 * on PostgreSQL the row is locked first). False when it wrote nothing: the limit is not one this
 * path covers, or there was nothing to give back; the general path then decides.
 */
export async function releaseInOneStatement(
  ctx: RepositoryContext,
  q: Executor,
  name: string,
  slots: number,
  occupancySeconds: number | undefined,
): Promise<boolean> {
  if (!ctx.rowLocking) return releaseNowOnSqlite(ctx, q, name, slots, occupancySeconds);
  const t = texts(ctx);
  const params = bind(ctx, name, slots, occupancySeconds ?? null);
  // Sent together (postgres.js pipelines them on the transaction's connection): the server runs the
  // UPDATE only once the lock is held, with a snapshot taken then, and the row stays locked for one
  // round trip fewer. Both are awaited, so a failure of either is reported and none goes unhandled.
  const [, rows] = await Promise.all([
    ctx.dialect.queryArrays(q, t.lock, [name]),
    ctx.dialect.queryArrays(q, t.release, params),
  ]);
  return rows.length > 0;
}

/** `releaseInOneStatement` on SQLite, synchronously (Dialect.textNow). */
export function releaseNowOnSqlite(
  ctx: RepositoryContext,
  q: Executor,
  name: string,
  slots: number,
  occupancySeconds: number | undefined,
): boolean {
  const params = bind(ctx, name, slots, occupancySeconds ?? null);
  return ctx.dialect.textNow!.queryArrays(q, texts(ctx).release, params).length > 0;
}

/**
 * `releaseInOneStatement` for a release standing alone (no transaction open), or undefined when
 * this dialect has no such path (PGlite: the caller opens a transaction). On SQLite the UPDATE
 * commits by itself; a statement sees the latest rows there, so it needs no lock first. On
 * PostgreSQL the lock and the UPDATE go in a transaction sent in one trip with its BEGIN and
 * COMMIT (`transactionInOneTrip`): the decision is the UPDATE's own, so nothing needs to come
 * back before COMMIT, and the row lock is no longer held across two round trips (issue 13).
 */
export async function releaseAlone(
  ctx: RepositoryContext,
  q: Executor,
  name: string,
  slots: number,
  occupancySeconds: number | undefined,
): Promise<boolean | undefined> {
  if (!ctx.rowLocking) return releaseInOneStatement(ctx, q, name, slots, occupancySeconds);
  const inOneTrip = ctx.dialect.transactionInOneTrip;
  if (!inOneTrip) return undefined;
  const t = texts(ctx);
  const params = bind(ctx, name, slots, occupancySeconds ?? null);
  const [, rows] = await inOneTrip.call(ctx.dialect, [
    { text: t.lock, params: [name] },
    { text: t.release, params },
  ]);
  return rows!.length > 0;
}
