/**
 * How the hand-built limit statements (one-statement.ts, lease-release.ts, tag-fast.ts) are spelled
 * on each dialect, and the decay of a limit's denied slots as SQL expressions both dialects share.
 */
import type { RepositoryContext } from '../context.js';

/** The spelling of the dialect's statements (lease-release.ts builds its own from it too). */
export function spellingOf(ctx: RepositoryContext): Spelling {
  return ctx.dialect.capabilities.writableCte ? postgresSpelling : sqliteSpelling;
}

/** What differs between the dialects in these statements. */
export interface Spelling {
  greatest: string;
  least: string;
  /**
   * The parameters as the statements read them: the limit's name, slots, the clock in ms and as the
   * column stores it, occupancy seconds.
   */
  p: { name: string; n: string; nowMs: string; nowTs: string; occ: string };
  /** The one-row parameter list (PostgreSQL's `p`), or undefined when parameters are named. */
  params: string | undefined;
  /** The decay clock of `c` in ms since the epoch, as a double; the clock parameter when null. */
  atMs: string;
  /** The decay clock advanced by `ms` (a whole number of milliseconds). */
  advance: (ms: string) => string;
  /** True when an expired lease holds a slot of `c`. */
  expiredLease: string;
  /** Slots held by leases on `c`. */
  leased: string;
  float: (literal: string) => string;
  /** A column of `c` in RETURNING: SQLite names only the updated table there, never its alias. */
  returned: (column: string) => string;
  /** `WITH` may hold an UPDATE (PostgreSQL): the acquire is then one statement. */
  writableCte: boolean;
}

const postgresSpelling: Spelling = {
  greatest: 'greatest',
  least: 'least',
  p: { name: 'p.limit_name', n: 'p.n', nowMs: 'p.now_ms', nowTs: 'p.now_ts', occ: 'p.occ' },
  params:
    'select $1::text as limit_name, $2::int as n, $3::float8 as now_ms, $4::timestamptz as now_ts, $5::float8 as occ',
  atMs: 'coalesce((extract(epoch from c.slot_decay_at) * 1000)::float8, p.now_ms)',
  advance: (ms) => `coalesce(c.slot_decay_at, p.now_ts) + (${ms}) * interval '1 millisecond'`,
  expiredLease:
    'exists (select 1 from concurrency_lease l where l.expires_at <= p.now_ts and l.limit_ids @> jsonb_build_array(c.id::text))',
  leased:
    '(select coalesce(sum(l.slots), 0) from concurrency_lease l where l.limit_ids @> jsonb_build_array(c.id::text))',
  float: (literal) => `${literal}::float8`,
  // Qualified: `p` has a column of the same name as `c`'s `name`.
  returned: (column) => `c.${column}`,
  writableCte: true,
};

const sqliteSpelling: Spelling = {
  greatest: 'max',
  least: 'min',
  // Bound as JavaScript numbers; the casts keep an integer occupancy from dividing as an integer.
  p: {
    name: '@limit_name',
    n: 'cast(@n as integer)',
    nowMs: 'cast(@now_ms as integer)',
    nowTs: 'cast(@now_ts as integer)',
    occ: 'cast(@occ as real)',
  },
  params: undefined,
  atMs: 'coalesce(c.slot_decay_at, cast(@now_ms as integer))',
  advance: (ms) => `cast(coalesce(c.slot_decay_at, cast(@now_ms as integer)) + (${ms}) as integer)`,
  expiredLease:
    'exists (select 1 from concurrency_lease l, json_each(l.limit_ids) j where l.expires_at <= cast(@now_ts as integer) and j.value = c.id)',
  leased:
    '(select coalesce(sum(l.slots), 0) from concurrency_lease l where exists (select 1 from json_each(l.limit_ids) j where j.value = c.id))',
  // Real literals: SQLite's min(avg, 30) answers the integer 30 for an average of 30 or more, and
  // `1 / 30` is then integer division (0): the rate was 0, the clock's step a division by zero
  // (NULL), so the clock was written NULL and denied slots never decayed (found by
  // leases-rules.test.ts).
  float: (literal) => (literal.includes('.') ? literal : `${literal}.0`),
  returned: (column) => column,
  writableCte: false,
};

/**
 * The decay of a limit `c` without slot decay up to the clock parameter, as SQL expressions: its
 * denied slots and its clock after decay, and its average occupancy after a release of `given`
 * slots (unchanged when the occupancy parameter is null). The arithmetic is `decay()`'s and
 * `nextAverageOccupancy()`'s, in the same order of IEEE double operations, so both paths store the
 * same counters and clock: denied slots decay at one per `clamp(avg, 0.1, 30)` seconds, in whole
 * quanta, and the clock moves by those quanta (rounded up to the millisecond, never past now).
 */
export function decayTerms(s: Spelling): {
  denied: string;
  clock: string;
  average: (given: string) => string;
} {
  const { greatest: G, least: L, float: f, p } = s;
  const occupancy = `${L}(${G}(c.avg_slot_occupancy_seconds, ${f('0.1')}), ${f('30')})`;
  const rate = `(${f('1')} / ${occupancy})`;
  const elapsed = `${G}(${f('0')}, ${p.nowMs} - ${s.atMs})`;
  const quanta = `floor(${rate} * ${elapsed} / ${f('1000')})`;
  return {
    denied: `cast(${G}(0, c.denied_slots - ${quanta}) as integer)`,
    clock: s.advance(`${L}(${elapsed}, ceil(${quanta} * ${f('1000')} / ${rate}))`),
    average: (given) =>
      `case when ${p.occ} is null then c.avg_slot_occupancy_seconds else c.avg_slot_occupancy_seconds + (${G}(${p.occ} / ${given}, ${f('0.1')}) - c.avg_slot_occupancy_seconds) / ${G}(c."limit" * 2, 1) end`,
  };
}
