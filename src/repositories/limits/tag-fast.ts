/**
 * Tag acquire and release in the fewest statements (issue 13): the common case of
 * `db.concurrencyLimits.acquire/release` decided by hand-built statements, built once per dialect,
 * instead of the general path's seven or eight Drizzle queries (tag-general.ts: BEGIN, the task
 * run, a probe for expired leases, the locked limits, the run's leases, a write per limit, the
 * leases' INSERT, COMMIT). The rules are the general path's (docs/limits.md "Tag limits"):
 *
 * Covered: named limits that do not decay and have no expired lease on them (the general path
 * would reclaim it first). Anything else writes nothing and answers undefined/false, and the caller
 * runs the general path, which then decides as if the fast route had never run.
 *
 * PostgreSQL, two statements sent in one trip (with BEGIN and COMMIT outside a caller's
 * transaction): the first locks the task run (`FOR KEY SHARE`) and then the named limits
 * (`FOR UPDATE`, in name order); the second reads the run's leases, decides and writes. They cannot
 * be one statement: every part of a statement reads the snapshot taken when it started, before it
 * waited for the limits' locks, so a lease another acquire of the same run committed meanwhile
 * would be missed and the run would take a second slot of the tag (the locked rows themselves are
 * re-read at their newest version, but the lease table is not). The second statement's snapshot is
 * taken once the locks are held; every lease on a limit is written under its lock, so it sees them
 * all. The release has the same two statements (its DELETE then sees the leases acquires
 * committed while it waited).
 *
 * SQLite, in the library's write transaction (taken up front, so nothing runs in between): the
 * acquire reads the run, the limits and the run's leases in one SELECT, decides in JavaScript with
 * decay.ts (as the general path), and writes each limit taken or denied and the leases; the release
 * deletes the run's leases on the named limits (a conditional DELETE ... RETURNING) and gives their
 * slots back in one UPDATE per limit.
 */
import type { Executor } from '../../dialect/dialect.js';
import { pgArrayLiteral } from '../../dialect/postgres/fragments.js';
import { NotFoundError } from '../../errors.js';
import { uuidv7 } from '../../schema/uuid.js';
import type { RepositoryContext } from '../context.js';
import { type LimitRow, decay, retryAfterSeconds } from './decay.js';
import { type AcquireResult, MAX_COUNT, TAG_PREFIX, TASK_RUN_HOLDER } from './inputs.js';
import { decayTerms, spellingOf } from './spelling.js';

interface PostgresTexts {
  /** The task run key-share locked, then the named limits in name order ($1 run, $2 names). */
  lockForAcquire: string;
  /** The named limits in name order ($1 names). */
  lockForRelease: string;
  /** The acquire decided and written (see `acquireText`). */
  acquire: string;
  /** `acquire` standing alone: a denial commits without waiting for the disk (one-statement.ts). */
  acquireAlone: string;
  release: string;
}

interface SqliteTexts {
  read: string;
  write: string;
  insertLease: string;
  remove: string;
  give: string;
}

let postgresTexts: PostgresTexts | undefined;
let sqliteTexts: SqliteTexts | undefined;

const HOLDER = `'${TASK_RUN_HOLDER}'`;

function postgres(ctx: RepositoryContext): PostgresTexts {
  if (postgresTexts) return postgresTexts;
  const s = spellingOf(ctx);
  const { denied, clock } = decayTerms(s);
  // Every row the route covers: no decay, no expired lease to reclaim first.
  const covered = `c.slot_decay_per_second = 0 and not ${s.expiredLease}`;
  const params =
    'select $1::uuid as run, $2::text::text[] as names, $3::float8 as now_ms, $4::timestamptz as now_ts';
  // `cur`: each named limit, read (by this statement's snapshot, taken with every lock held) with
  // what the rules ask of it; `dec`: the outcome. The writes run only for a grant or a denial, on
  // the limits the run still needs; a grant's leases take the ids $5 in name order, as the general
  // path's multi-row INSERT numbers them.
  const acquire = (outputs: string) =>
    `with p as (${params}, $5::text::uuid[] as ids), run as (select exists (select 1 from task_run t where t.id = $1::uuid for key share of t) as found), cur as (select c.id, c.name as nm, c."limit" as lim, c.avg_slot_occupancy_seconds as avg, ${covered} as covered, c.active and c."limit" = 0 as zero, c.active and not exists (select 1 from concurrency_lease h where h.holder_type = ${HOLDER} and h.holder_id = p.run::text and h.limit_ids @> jsonb_build_array(c.id::text)) as needed, c.active_slots + 1 > c."limit" as over, ${denied} as d, ${clock} as at from concurrency_limit_v2 c, p where c.name = any (p.names)), dec as (select case when not run.found then 'missing' when not coalesce(bool_and(cur.covered), true) then 'general' when coalesce(bool_or(cur.zero), false) then 'zero' when coalesce(bool_or(cur.needed and cur.over), false) then 'deny' else 'grant' end as outcome from run left join cur on true group by run.found), u as (update concurrency_limit_v2 c set active_slots = c.active_slots + case when dec.outcome = 'grant' then 1 else 0 end, denied_slots = case when dec.outcome = 'grant' then cur.d else least(cur.d + 1, ${MAX_COUNT}) end, slot_decay_at = cur.at, updated = p.now_ts from cur, dec, p where c.id = cur.id and cur.needed and dec.outcome in ('grant', 'deny') returning c.id), ins as (insert into concurrency_lease (id, created, updated, limit_ids, slots, expires_at, holder_type, holder_id) select p.ids[k.n], p.now_ts, p.now_ts, jsonb_build_array(k.id::text), 1, null, ${HOLDER}, p.run::text from (select cur.id, row_number() over (order by cur.nm) as n from cur where cur.needed) k, dec, p where dec.outcome = 'grant') select ${outputs} from dec left join cur on true order by cur.nm`;
  const outputs = 'dec.outcome, cur.nm, cur.lim, cur.d, cur.avg, cur.needed, cur.over, cur.zero';
  postgresTexts = {
    // The task run's lock is taken by a one-time filter (an uncorrelated subquery, run once before
    // the first limit row is read), so before the limits', as the general path takes them; the
    // limits are locked whether or not the run exists (the second statement decides).
    lockForAcquire:
      'select c.id from concurrency_limit_v2 c where c.name = any ($2::text::text[]) and (select count(*) from (select 1 from task_run t where t.id = $1::uuid for key share of t) k) >= 0 order by c.name for update of c',
    lockForRelease:
      'select c.id from concurrency_limit_v2 c where c.name = any ($1::text::text[]) order by c.name for update of c',
    acquire: acquire(outputs),
    acquireAlone: acquire(
      `${outputs}, case when dec.outcome = 'deny' then set_config('synchronous_commit', 'off', true) end`,
    ),
    // The run's leases on the named limits deleted, then their slots given back on each (never
    // below 0); nothing when a named limit is not covered (the general path reclaims first).
    release: `with p as (${params}), lim as (select c.id, ${covered} as covered from concurrency_limit_v2 c, p where c.name = any (p.names)), ok as (select coalesce(bool_and(lim.covered), true) as ok from lim), del as (delete from concurrency_lease l using ok, p where ok.ok and l.holder_type = ${HOLDER} and l.holder_id = p.run::text and exists (select 1 from lim where l.limit_ids @> jsonb_build_array(lim.id::text)) returning l.limit_ids, l.slots), g as (select e.id::uuid as id, sum(del.slots)::int as n from del, jsonb_array_elements_text(del.limit_ids) as e(id) group by e.id), u as (update concurrency_limit_v2 c set active_slots = greatest(0, c.active_slots - g.n), denied_slots = ${denied}, slot_decay_at = ${clock}, updated = p.now_ts from g, p where c.id = g.id and c.id in (select id from lim) returning c.id) select ok.ok from ok`,
  };
  return postgresTexts;
}

function sqlite(ctx: RepositoryContext): SqliteTexts {
  if (sqliteTexts) return sqliteTexts;
  const s = spellingOf(ctx);
  const { denied, clock } = decayTerms(s);
  const named = 'c.name in (select value from json_each(@names))';
  sqliteTexts = {
    // One row at least (the run's), then one per named limit in name order.
    read: `select (select count(*) from task_run where id = @run), c.id, c.name, c.active, c."limit", c.active_slots, c.denied_slots, c.slot_decay_at, c.slot_decay_per_second, c.avg_slot_occupancy_seconds, ${s.expiredLease}, exists (select 1 from concurrency_lease h, json_each(h.limit_ids) j where h.holder_type = ${HOLDER} and h.holder_id = @run and j.value = c.id) from (select 1) left join concurrency_limit_v2 c on ${named} order by c.name`,
    write:
      'update concurrency_limit_v2 set active_slots = @active, denied_slots = @denied, slot_decay_at = @at, updated = @now where id = @id',
    insertLease: `insert into concurrency_lease (id, created, updated, limit_ids, slots, expires_at, holder_type, holder_id) values (@id, @now, @now, json_array(@limit_id), 1, null, ${HOLDER}, @run)`,
    // Deletes nothing unless every named limit is covered (see the file's comment).
    remove: `delete from concurrency_lease where holder_type = ${HOLDER} and holder_id = @run and exists (select 1 from concurrency_limit_v2 c, json_each(concurrency_lease.limit_ids) j where ${named} and j.value = c.id) and not exists (select 1 from concurrency_limit_v2 c where ${named} and (c.slot_decay_per_second > 0 or ${s.expiredLease})) returning slots, limit_ids`,
    give: `update concurrency_limit_v2 as c set active_slots = max(0, c.active_slots - cast(@n as integer)), denied_slots = ${denied}, slot_decay_at = ${clock}, updated = cast(@now_ts as integer) where c.id = @id and ${named}`,
  };
  return sqliteTexts;
}

/** The answer to a denial from the needed limits' values before it (Prefect's estimate, decay.ts). */
function denial(
  needed: readonly { name: string; limit: number; denied: number; avg: number; full: boolean }[],
): AcquireResult {
  const now = new Date();
  const retry = retryAfterSeconds(
    needed.map((r) => ({
      row: { limit: r.limit, slotDecayPerSecond: 0, avgSlotOccupancySeconds: r.avg } as LimitRow,
      decayed: { activeSlots: 0, deniedSlots: r.denied, slotDecayAt: now },
    })),
    1,
  );
  return {
    acquired: false,
    retryAfterSeconds: retry,
    blockedBy: needed.filter((r) => r.full).map((r) => r.name.slice(TAG_PREFIX.length)),
  };
}

/** How the PostgreSQL statements are sent: in one trip as a transaction, or on `q` (a caller's). */
type Send = (statements: { text: string; params: unknown[] }[]) => Promise<unknown[][][]>;

/** `Send` on the open transaction `q`: both handed over at once (postgres.js pipelines them). */
export function onTransaction(ctx: RepositoryContext, q: Executor): Send {
  return (statements) => Promise.all(statements.map((s) => ctx.dialect.queryArrays(q, s.text, s.params)));
}

/**
 * The tag acquire of `names` (distinct, `tag:`-prefixed) for the task run, or undefined having
 * written nothing when the general path must decide. NotFoundError when the run does not exist.
 * PostgreSQL: `send` carries the two statements; `alone` when they are their own transaction.
 * SQLite: `q` is the library's open transaction.
 */
export async function acquireTagsFast(
  ctx: RepositoryContext,
  q: Executor,
  taskRunId: string,
  names: readonly string[],
  pg?: { send: Send; alone: boolean },
): Promise<AcquireResult | undefined> {
  const now = new Date();
  if (pg) {
    const t = postgres(ctx);
    const list = pgArrayLiteral(names);
    const ids = pgArrayLiteral(names.map(() => uuidv7(now.getTime())));
    const [, rows] = await pg.send([
      { text: t.lockForAcquire, params: [taskRunId, list] },
      {
        text: pg.alone ? t.acquireAlone : t.acquire,
        params: [taskRunId, list, now.getTime(), now.toISOString(), ids],
      },
    ]);
    const outcome = rows![0]![0] as string;
    if (outcome === 'missing') throw new NotFoundError('task run', taskRunId);
    if (outcome === 'general') return undefined;
    if (outcome === 'grant') return { acquired: true };
    const limits = rows!.map((r) => {
      const [, name, limit, denied, avg, needed, full, zero] = r as [
        string,
        string,
        number,
        number,
        number,
        boolean,
        boolean,
        boolean,
      ];
      return { name, limit, denied, avg, needed, full, zero };
    });
    if (outcome === 'zero') {
      return {
        acquired: false,
        retryAfterSeconds: null,
        blockedBy: limits.filter((r) => r.zero).map((r) => r.name.slice(TAG_PREFIX.length)),
      };
    }
    return denial(limits.filter((r) => r.needed));
  }
  return acquireTagsNowOnSqlite(ctx, q, taskRunId, names);
}

/**
 * `acquireTagsFast` on SQLite, synchronously (Dialect.textNow), in the library's open write
 * transaction `q`: a read of the run and the limits, then the writes. Undefined having written
 * nothing when the general path must decide.
 */
export function acquireTagsNowOnSqlite(
  ctx: RepositoryContext,
  q: Executor,
  taskRunId: string,
  names: readonly string[],
): AcquireResult | undefined {
  const now = new Date();
  const text = ctx.dialect.textNow!;
  const t = sqlite(ctx);
  const rows = text.queryArrays(q, t.read, [
    { run: taskRunId, names: JSON.stringify(names), now_ts: now.getTime() },
  ]);
  if (Number(rows[0]![0]) === 0) throw new NotFoundError('task run', taskRunId);
  const limits = rows
    .filter((r) => r[1] !== null)
    .map((r) => {
      const row = {
        id: r[1] as string,
        name: r[2] as string,
        active: Boolean(r[3]),
        limit: Number(r[4]),
        activeSlots: Number(r[5]),
        deniedSlots: Number(r[6]),
        slotDecayAt: r[7] === null ? null : new Date(Number(r[7])),
        slotDecayPerSecond: Number(r[8]),
        avgSlotOccupancySeconds: Number(r[9]),
      } as LimitRow;
      return { row, expired: Boolean(r[10]), held: Boolean(r[11]) };
    });
  if (limits.some((l) => l.expired || l.row.slotDecayPerSecond !== 0)) return undefined;
  const active = limits.filter((l) => l.row.active);
  const zero = active.filter((l) => l.row.limit === 0);
  if (zero.length > 0)
    return {
      acquired: false,
      retryAfterSeconds: null,
      blockedBy: zero.map((l) => l.row.name.slice(TAG_PREFIX.length)),
    };
  const needed = active.filter((l) => !l.held).map((l) => ({ ...l, decayed: decay(l.row, now) }));
  const full = needed.filter((l) => l.decayed.activeSlots + 1 > l.row.limit);
  const grant = full.length === 0;
  for (const l of needed) {
    text.runText(q, t.write, [
      {
        id: l.row.id,
        active: l.decayed.activeSlots + (grant ? 1 : 0),
        denied: grant ? l.decayed.deniedSlots : Math.min(l.decayed.deniedSlots + 1, MAX_COUNT),
        at: l.decayed.slotDecayAt.getTime(),
        now: now.getTime(),
      },
    ]);
  }
  if (!grant) {
    return denial(
      needed.map((l) => ({
        name: l.row.name,
        limit: l.row.limit,
        denied: l.decayed.deniedSlots,
        avg: l.row.avgSlotOccupancySeconds,
        full: full.includes(l),
      })),
    );
  }
  for (const l of needed) {
    text.runText(q, t.insertLease, [
      { id: uuidv7(now.getTime()), now: now.getTime(), limit_id: l.row.id, run: taskRunId },
    ]);
  }
  return { acquired: true };
}

/**
 * The tag release of `names` for the task run: true when it is done, false having written nothing
 * when the general path must decide (a named limit not covered; on SQLite also when the run held
 * none of them, which the general path answers as cheaply). Arguments as `acquireTagsFast`.
 */
export async function releaseTagsFast(
  ctx: RepositoryContext,
  q: Executor,
  taskRunId: string,
  names: readonly string[],
  pg?: { send: Send },
): Promise<boolean> {
  const now = new Date();
  if (pg) {
    const t = postgres(ctx);
    const list = pgArrayLiteral(names);
    const [, rows] = await pg.send([
      { text: t.lockForRelease, params: [list] },
      { text: t.release, params: [taskRunId, list, now.getTime(), now.toISOString()] },
    ]);
    return rows![0]![0] === true;
  }
  return releaseTagsNowOnSqlite(ctx, q, taskRunId, names);
}

/** `releaseTagsFast` on SQLite, synchronously (as `acquireTagsNowOnSqlite`). */
export function releaseTagsNowOnSqlite(
  ctx: RepositoryContext,
  q: Executor,
  taskRunId: string,
  names: readonly string[],
): boolean {
  const now = new Date();
  const text = ctx.dialect.textNow!;
  const t = sqlite(ctx);
  const list = JSON.stringify(names);
  const deleted = text.queryArrays(q, t.remove, [{ run: taskRunId, names: list, now_ts: now.getTime() }]);
  if (deleted.length === 0) return false;
  const given = new Map<string, number>();
  for (const [slots, limitIds] of deleted as [number, string][]) {
    for (const id of JSON.parse(limitIds) as string[]) given.set(id, (given.get(id) ?? 0) + Number(slots));
  }
  for (const [id, n] of given) {
    text.runText(q, t.give, [{ id, n, names: list, now_ms: now.getTime(), now_ts: now.getTime() }]);
  }
  return true;
}
