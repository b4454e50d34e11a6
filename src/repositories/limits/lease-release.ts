/**
 * `releaseLease` in the fewest round trips (issue 13): the lease deleted and its slots given back
 * on each of its limits by hand-built statements, built once per dialect, instead of the general
 * path's six to eight Drizzle queries (read the lease, refuse a tag lease, lock its limits, read
 * leased slots, delete, write each limit).
 *
 * Covered: a lease whose limits (those that still exist) are neither tag limits nor decaying. The
 * lease of a tag limit is refused by the general path (ValidationError), and on a decaying limit
 * the general path's decay stops at the slots of the other leases, which it reads; a lease that
 * does not exist is the general path's NotFoundError. In those cases these statements write
 * nothing and answer false, and the caller runs the general path.
 *
 * - PostgreSQL, one statement: the lease's limits are locked `FOR UPDATE` in name order (and their
 *   decayed counters read on the newest row versions), then the lease is deleted, then the limits
 *   written. The delete waits for every lock: its condition reads the locked rows through an
 *   uncorrelated subquery, which PostgreSQL evaluates once, before the delete reads its first row
 *   (a one-time filter). So, as on every path, limits are locked before their leases (no deadlock
 *   with a reclaimer locking the same limits), and a lease deleted meanwhile by another caller is
 *   not deleted twice: the DELETE re-checks the row once its lock is free, deletes nothing, and
 *   nothing is given back.
 * - SQLite, two statements in the caller's transaction (the write lock taken up front): the
 *   conditional DELETE ... RETURNING, then one UPDATE of the lease's limits.
 */
import type { Executor } from '../../dialect/dialect.js';
import type { RepositoryContext } from '../context.js';
import { decayTerms, spellingOf } from './spelling.js';

interface Texts {
  /** PostgreSQL: the whole release. */
  release: string | undefined;
  /** SQLite: the lease deleted, when covered; its slots and limits come back. */
  remove: string;
  /** SQLite: the slots given back on the limits of the deleted lease. */
  give: string;
}

const built = new Map<string, Texts>();

/** A limit this path does not cover: a tag limit, or one that decays. */
const uncovered = (c: string) => `(${c}.slot_decay_per_second > 0 or substr(${c}.name, 1, 4) = 'tag:')`;

function build(ctx: RepositoryContext): Texts {
  const s = spellingOf(ctx);
  const { denied, clock, average } = decayTerms(s);
  const counters = (given: string) =>
    `active_slots = ${s.greatest}(0, c.active_slots - ${given}), denied_slots = ${denied}, slot_decay_at = ${clock}, avg_slot_occupancy_seconds = ${average(given)}, updated = ${s.p.nowTs}`;
  // Read in the locked row's list, so the values written are those of its newest version. The
  // limits are found by primary key: the lease's ids come as one array from an uncorrelated
  // subquery (`c.id = any($x)`, an index condition), where a join on its JSON elements was
  // planned as a scan of every limit.
  const release = s.writableCte
    ? `with p as (select $1::uuid as lease_id, $2::float8 as now_ms, $3::timestamptz as now_ts, $4::float8 as occ), cur as (select c.id, c.name, c.slot_decay_per_second, c.active_slots - lease.slots as act, ${denied} as d, ${clock} as at, ${average('lease.slots')} as avg from p, (select slots from concurrency_lease where id = $1::uuid) as lease, concurrency_limit_v2 c where c.id = any ((select array(select jsonb_array_elements_text(l.limit_ids)::uuid) from concurrency_lease l where l.id = $1::uuid)::uuid[]) order by c.name for update of c), del as (delete from concurrency_lease l using p where l.id = p.lease_id and not exists (select 1 from cur where ${uncovered('cur')}) returning l.id), u as (update concurrency_limit_v2 c set active_slots = greatest(0, cur.act), denied_slots = cur.d, slot_decay_at = cur.at, avg_slot_occupancy_seconds = cur.avg, updated = p.now_ts from cur, p, del where c.id = cur.id returning c.id) select (select count(*) from del)::int, (select count(*) from u)::int`
    : undefined;
  return {
    release,
    remove: `delete from concurrency_lease where id = @lease_id and not exists (select 1 from concurrency_limit_v2 c, json_each(concurrency_lease.limit_ids) j where c.id = j.value and ${uncovered('c')}) returning slots, limit_ids`,
    give: `update concurrency_limit_v2 as c set ${counters('cast(@n as integer)')} where c.id in (select value from json_each(@limit_ids))`,
  };
}

function texts(ctx: RepositoryContext): Texts {
  let t = built.get(ctx.dialect.name);
  if (!t) {
    t = build(ctx);
    built.set(ctx.dialect.name, t);
  }
  return t;
}

/**
 * Releases the lease `id` (see the file's comment): true when it was deleted and its slots given
 * back; false, having written nothing, when the general path must decide. On SQLite, call it
 * inside a transaction (two statements); on PostgreSQL it is one statement.
 */
export async function releaseLeaseFast(
  ctx: RepositoryContext,
  q: Executor,
  id: string,
  occupancySeconds: number | undefined,
): Promise<boolean> {
  const t = texts(ctx);
  const now = new Date();
  const occ = occupancySeconds ?? null;
  if (t.release) {
    const [row] = await ctx.dialect.queryArrays(q, t.release, [id, now.getTime(), now.toISOString(), occ]);
    return Number(row?.[0] ?? 0) > 0;
  }
  const [lease] = await ctx.dialect.queryArrays(q, t.remove, [{ lease_id: id }]);
  if (!lease) return false;
  const [slots, limitIds] = lease as [number, string];
  await ctx.dialect.runText(q, t.give, [
    { n: slots, limit_ids: limitIds, now_ms: now.getTime(), now_ts: now.getTime(), occ },
  ]);
  return true;
}
