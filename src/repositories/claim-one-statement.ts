/**
 * A claim as ONE statement on PostgreSQL, where nothing has to be locked or counted before the runs
 * are (claimConditions' `fastPath`: no pool or queue limit, no limited deployment with due runs in
 * the polled queues, pool not paused, every named queue found): the pool read, the runs locked
 * queue by queue in claim order (`FOR UPDATE SKIP LOCKED` under the LIMIT, so it locks only what it
 * takes), their PENDING states, the runs' update and the poll marks, committing by itself as
 * pg-boss's fetch does. Where the conditions fail it writes and locks nothing, and the claim runs
 * the general way (claiming.ts).
 *
 * Why: with 16 claimers in one process, the two-round-trip claim kept Node's event loop busy
 * (utilisation 0.98) while 13 of the 16 server backends waited for it, 7 of them idle in
 * transaction holding their runs' locks (issue 13, claim-drain-16, pg_stat_activity sampled): one
 * trip instead of two, and no per-run JavaScript for the transition, is less of the one thread
 * every claim goes through.
 *
 * The transition is the one applyTransition computes for a SCHEDULED run proposed PENDING with no
 * timestamp, name, message or details (states.ts): rule 0 (1 ms after the current state where the
 * clock is not past it), the default name, the details `{ flowRunId }`, the expected start time
 * when unset, no next scheduled start; start, end, run count, run time and policy stay. A run whose
 * next state would pass the latest accepted time fails the claim with nothing written, as there.
 */
import { type Column, type SQL, and, getTableColumns, sql } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import { pgArrayLiteral } from '../dialect/postgres/fragments.js';
import { uuidv7 } from '../schema/uuid.js';
import { dueConditions } from './claim-candidates.js';
import { claimConditions } from './claim-pool-read.js';
import type { RepositoryContext } from './context.js';
import { type FlowRun, FlowRunRepository } from './flow-runs.js';
import { POLL_RESOLUTION_MS, markUpdates } from './polling.js';
import { decodeRow } from './run-transition-cte.js';
import { noLaterState } from './states.js';
import { MAX_TIME } from './validation.js';

/** The Drizzle dialect behind an executor, which turns SQL into text and parameters. */
interface Compiler {
  sqlToQuery(query: SQL): { sql: string; params: unknown[] };
}

interface ClaimText {
  sql: string;
  order: string[];
  runColumns: [string, Column][];
}

type RunRow = typeof import('../schema/postgres/runs.js').flowRun.$inferSelect;

const texts = new WeakMap<object, ClaimText>();

/**
 * The largest claim made in one statement: its state ids are generated before the runs are known,
 * one per run it may take, and a claim of 10,000 would send (and mostly waste) 10,000 of them.
 */
export const ONE_STATEMENT_MAX_LIMIT = 1000;

/** What the one-statement claim needs of a claim's options. */
export interface OneStatementClaim {
  workPoolName: string;
  workQueueNames?: string[] | undefined;
  limit: number;
  scheduledBefore?: Date | undefined;
}

/**
 * Claims in one statement on `q` (autocommit, or a savepoint in the caller's transaction): the
 * claimed runs in claim order, or undefined when the claim must go the general way (limits, a
 * paused pool, a named queue missing, no such pool), having written and locked nothing.
 * @throws ValidationError when a claimed run's next state would pass the latest accepted time
 *   (nothing written).
 */
export async function claimInOneStatement(
  ctx: RepositoryContext,
  q: Executor,
  o: OneStatementClaim,
): Promise<FlowRun[] | undefined> {
  const fr = ctx.tables.flowRun;
  let text = texts.get(fr);
  if (!text) {
    text = claimText(ctx, q);
    texts.set(fr, text);
  }
  const now = new Date();
  const stateIds: string[] = [];
  for (let i = 0; i < o.limit; i++) stateIds.push(uuidv7(now.getTime()));
  const values: Record<string, unknown> = {
    name: o.workPoolName,
    names: o.workQueueNames ? pgArrayLiteral(o.workQueueNames) : null,
    before: fr.nextScheduledStartTime.mapToDriverValue(o.scheduledBefore ?? now),
    count: o.limit,
    state_ids: pgArrayLiteral(stateIds),
    orion_now: now.toISOString(),
    orion_stale: new Date(now.getTime() - POLL_RESOLUTION_MS).toISOString(),
  };
  const rows = await ctx.dialect.queryArrays(
    q,
    text.sql,
    text.order.map((key) => values[key]),
  );
  // No row: no such pool (the general way says so). Otherwise one row per claimed run, or one row
  // without a run: [fast path, in range, run columns...].
  const head = rows[0];
  if (head?.[0] !== true) return undefined;
  if (head[1] !== true) throw noLaterState();
  const runs = new FlowRunRepository(ctx);
  const out: FlowRun[] = [];
  for (const row of rows) {
    if (row[2] === null) continue;
    out.push(runs.present(decodeRow(text.runColumns, row, 2) as RunRow, now));
  }
  return out;
}

/** Builds and compiles the statement (once per run table). */
function claimText(ctx: RepositoryContext, q: Executor): ClaimText {
  const { workPool: wp, workQueue: wq, flowRun: fr, flowRunState: st } = ctx.tables;
  const pool = {
    id: sql`(select orion_pool.id from orion_pool)`,
    isPaused: wp.isPaused,
    concurrencyLimit: wp.concurrencyLimit,
  };
  const fast = sql`(select orion_pool.orion_fast from orion_pool)`;
  // The fast-path test reads the pool's own columns in orion_pool, the pool id elsewhere.
  const inPool = claimConditions(ctx, { ...pool, id: wp.id });
  const { polledWhere, limitedFlag, names } = claimConditions(ctx, pool);
  const now = sql`${sql.placeholder('orion_now')}::timestamptz`;
  const ok = sql`(select orion_ok.ok from orion_ok)`;
  // Marks on every polled queue (paused ones too: PAUSED), only when the claim is written.
  const polled = (column: Column) =>
    sql`${column} in (select ${wq.id} from ${wq} where ${wq.workPoolId} = ${pool.id}
      and (${names} is null or ${wq.name} = any(${names}))) and ${fast} and ${ok}`;
  const [queueMarks, deploymentMarks] = markUpdates(ctx, q, {
    now,
    stale: sql`${sql.placeholder('orion_stale')}::timestamptz`,
    polled,
  });
  const runColumns = Object.entries(getTableColumns(fr)) as [string, Column][];
  const returned = sql.raw(runColumns.map(([, c]) => `r."${c.name}"`).join(', '));
  const max = sql.raw(`'${MAX_TIME.toISOString()}'::timestamptz`);
  // A run of a limited deployment (one that became due after the fast-path test's snapshot, seen
  // through the lock) is locked and left, as claiming.ts leaves it: its limit was not counted. As
  // a condition of the read it became an anti-join that sorted the queue's whole backlog.
  // The polled unpaused queues in claim order, each read in (due time, id) order and locked as it
  // is read; the LIMIT above stops the reads once the claim is full, so a later queue is read only
  // for what the earlier ones lacked (no sort above the locks: rows come out as the nested loop
  // reads them, queue after queue).
  // The state ids' array is cast in a scalar subquery, an InitPlan run once: the text-to-uuid[]
  // cast is not constant-folded (array input is only stable), so inline it parsed all 100 ids for
  // every run moved, 4.5 of a claim of 100's 19 ms of execution (EXPLAIN ANALYZE at 1M, issue 13).
  const query = sql`with orion_pool as materialized (
      select ${wp.id}, ${inPool.fastPath} as orion_fast from ${wp} where ${wp.name} = ${sql.placeholder('name')}
    ), orion_locked as materialized (
      select orion_run.*, row_number() over () as orion_n from (
        select orion_q.orion_rank, orion_r.id, orion_r.orion_due, orion_r.state_timestamp, orion_r.orion_limited
        from (select ${wq.id}, row_number() over (order by ${wq.priority}, ${wq.id}) as orion_rank
          from ${wq} where ${polledWhere}) as orion_q
        cross join lateral (
          select ${fr.id}, ${fr.nextScheduledStartTime} as orion_due, ${fr.stateTimestamp}, ${limitedFlag} as orion_limited
          from ${fr} where ${and(sql`${fr.workQueueId} = orion_q.id`, dueConditions(fr, sql.placeholder('before')), fast)}
          order by ${fr.nextScheduledStartTime}, ${fr.id} limit ${sql.placeholder('count')}
          for update of ${fr} skip locked) as orion_r
        limit ${sql.placeholder('count')}) as orion_run
    ), orion_moved as (
      select l.id, l.orion_rank, l.orion_due,
        ((select ${sql.placeholder('state_ids')}::text::uuid[]))[l.orion_n] as state_id,
        case when l.state_timestamp is not null and ${now} <= l.state_timestamp
          then l.state_timestamp + interval '1 millisecond' else ${now} end as ts
      from orion_locked l where not l.orion_limited
    ), orion_ok as (
      select not exists (select 1 from orion_moved where orion_moved.ts > ${max}) as ok
    ), orion_states as (
      insert into ${st} (id, created, updated, flow_run_id, type, name, timestamp, message, state_details, data)
      select m.state_id, ${now}, ${now}, m.id, 'PENDING', 'Pending', m.ts, null, jsonb_build_object('flowRunId', m.id), null
      from orion_moved m where ${ok}
    ), orion_written as (
      update ${fr} r set state_id = m.state_id, state_type = 'PENDING', state_name = 'Pending',
        state_timestamp = m.ts, expected_start_time = coalesce(r.expected_start_time, m.ts),
        next_scheduled_start_time = null, updated = ${now}
      from orion_moved m where r.id = m.id and ${ok}
      returning m.orion_rank, m.orion_due, ${returned}
    ), orion_queue_marks as (${queueMarks.getSQL()}), orion_deployment_marks as (${deploymentMarks.getSQL()})
    select orion_pool.orion_fast, ${ok}, ${sql.raw(runColumns.map(([, c]) => `w."${c.name}"`).join(', '))}
    from orion_pool left join orion_written w on true
    order by w.orion_rank, w.orion_due, w.id`;
  const compiled = (q as unknown as { dialect: Compiler }).dialect.sqlToQuery(query);
  const order = compiled.params.map((param) => (param as { name: string }).name);
  return { sql: compiled.sql, order, runColumns };
}
