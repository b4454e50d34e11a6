/**
 * A claim's first read: its work pool by name and the pool's queues in priority order. On
 * PostgreSQL one statement, compiled once, whose queues come as one JSON text column (a round trip
 * and two Drizzle builds fewer per claim; issue 13, claim-100), and with them the limited
 * deployments with due runs in the queues the claim polls (limitedDueDeployments, one more round
 * trip fewer); elsewhere two Drizzle reads.
 */
import { type Column, type SQL, and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Executor, Row } from '../dialect/dialect.js';
import { pgArrayLiteral } from '../dialect/postgres/fragments.js';
import { NotFoundError } from '../errors.js';
import { dueConditions } from './claim-candidates.js';
import { DEPLOYMENT_LIMITED, type LimitedDeployment, claimColumns } from './claim-statements.js';
import type { RepositoryContext } from './context.js';
import { decodeRow } from './run-transition-cte.js';
import type { WorkPool } from './work-pools.js';

/** What a claim reads of a queue. */
export interface PolledQueue {
  id: string;
  name: string;
  isPaused: boolean;
  concurrencyLimit: number | null;
}

/** The pool's queues by (priority, id): the claim order across queues. */
export function readQueues(ctx: RepositoryContext, q: Executor, poolId: string): Promise<PolledQueue[]> {
  const wq = ctx.tables.workQueue;
  return q
    .select({ id: wq.id, name: wq.name, isPaused: wq.isPaused, concurrencyLimit: wq.concurrencyLimit })
    .from(wq)
    .where(eq(wq.workPoolId, poolId))
    .orderBy(asc(wq.priority), asc(wq.id));
}

/** A read's text: its result columns (the pool's), placeholders in parameter order, and the run columns after them. */
interface ReadText {
  sql: string;
  columns: [string, Column][];
  order: string[];
  /** With `first`: the locked runs' columns, after the pool's, the queues and the limited deployments. */
  runColumns?: [string, Column][];
}

/** The texts of the one-statement read, by pool table (one per dialect instance's schema) and `first`. */
const texts = new WeakMap<object, Map<boolean, ReadText>>();

/** Compiler of the Drizzle dialect behind an executor. */
interface Compiler {
  sqlToQuery(query: SQL): { sql: string; params: unknown[] };
}

/**
 * The pool named `name` (unlocked) and its queues; on PostgreSQL also `limited`, what
 * limitedDueDeployments reads for the pool's unpaused queues (those of `probe.names` when given)
 * and `probe.before`, read by the same statement.
 *
 * `probe.first` (PostgreSQL, a claim): the same statement also locks (`FOR UPDATE SKIP LOCKED`) and
 * returns the first `first` due runs of the first queue the claim polls, as firstDueOfQueue does,
 * but only where that is the claim's next read anyway: the pool is not paused, neither it nor any
 * of its queues has a limit (so the pool row needs no lock first), no limited deployment has due
 * runs in the polled queues, and every named queue exists. Otherwise it locks nothing
 * (`firstQueue` undefined). The claim is then two round trips instead of three (issue 13,
 * claim-drain: each round trip wakes the server and Node once more).
 * @throws NotFoundError when no pool has that name.
 */
export async function readPoolAndQueues(
  ctx: RepositoryContext,
  q: Executor,
  name: string,
  probe: { before: Date; names: string[] | undefined; first?: number },
): Promise<{
  pool: WorkPool;
  queues: PolledQueue[];
  limited?: LimitedDeployment[];
  /** With `probe.first`, where the conditions held: the runs locked, with claimColumns and DEPLOYMENT_LIMITED. */
  firstQueue?: Row[];
}> {
  const { workPool: wp } = ctx.tables;
  const missing = () => new NotFoundError('work pool', name, `work pool "${name}" not found`);
  if (!ctx.dialect.capabilities.writableCte) {
    const [pool] = await q.select().from(wp).where(eq(wp.name, name));
    if (!pool) throw missing();
    return { pool, queues: await readQueues(ctx, q, pool.id) };
  }
  const first = probe.first !== undefined;
  let byFirst = texts.get(wp);
  if (!byFirst) {
    byFirst = new Map();
    texts.set(wp, byFirst);
  }
  let text = byFirst.get(first);
  if (!text) {
    text = readText(ctx, q, first);
    byFirst.set(first, text);
  }
  const fr = ctx.tables.flowRun;
  const values: Record<string, unknown> = {
    name,
    names: probe.names ? pgArrayLiteral(probe.names) : null,
    before: fr.nextScheduledStartTime.mapToDriverValue(probe.before),
    first: probe.first,
  };
  const rows = await ctx.dialect.queryArrays(
    q,
    text.sql,
    text.order.map((key) => values[key]),
  );
  const row = rows[0];
  if (!row) throw missing();
  const pool = decodeRow(text.columns, row, 0) as WorkPool;
  const queues = (
    JSON.parse(row[text.columns.length] as string) as [string, string, boolean, number | null][]
  ).map(([id, queueName, isPaused, concurrencyLimit]) => ({
    id,
    name: queueName,
    isPaused,
    concurrencyLimit,
  }));
  const limited = (
    JSON.parse(row[text.columns.length + 1] as string) as [
      string,
      number | null,
      LimitedDeployment['options'],
    ][]
  ).map(([id, limit, options]) => ({ id, limit, options }));
  if (!text.runColumns) return { pool, queues, limited };
  // One row per locked run (the pool's columns repeated), or one row of nulls: the runs start
  // after the pool's columns, the queues, the limited deployments and whether the read ran.
  const at = text.columns.length + 2;
  const ran = row[at] === true;
  const firstQueue: Row[] = [];
  for (const values of rows)
    if (values[at + 1] !== null) firstQueue.push(decodeRow(text.runColumns, values, at + 1));
  return { pool, queues, limited, firstQueue: ran ? firstQueue : undefined };
}

/**
 * The conditions a claim's first read and the one-statement claim (claim-one-statement.ts) share,
 * for the pool row `pool` (its id column or an expression giving it): the queues the claim polls
 * (unpaused, and named when `names` is not null), the limited deployments with due runs in them,
 * and whether a claim may lock and take runs with nothing locked or counted first (`fastPath`:
 * pool not paused, no pool or queue limit, no limited deployment with due runs in the polled
 * queues, every named queue found). Only the `names` and `before` placeholders.
 */
export function claimConditions(
  ctx: RepositoryContext,
  pool: { id: SQL | Column; isPaused: SQL | Column; concurrencyLimit: SQL | Column },
) {
  const { workQueue: wq, deployment: dep, flowRun: fr } = ctx.tables;
  const names = sql`${sql.placeholder('names')}::text::text[]`;
  const polledWhere = sql`${wq.workPoolId} = ${pool.id} and not ${wq.isPaused} and (${names} is null or ${wq.name} = any(${names}))`;
  const due = and(
    eq(fr.deploymentId, dep.id),
    sql`${fr.workQueueId} in (select ${wq.id} from ${wq} where ${polledWhere})`,
    dueConditions(fr, sql.placeholder('before')),
  );
  // The probe of limitedDueDeployments (a LATERAL `LIMIT 1` per limited deployment).
  const limitedFrom = sql`from ${dep} cross join lateral (select 1 from ${fr} where ${due} limit 1) as orion_due
      where ${dep.concurrencyLimit} is not null`;
  const fastPath = sql`not ${pool.isPaused} and ${pool.concurrencyLimit} is null
      and not exists (select 1 from ${wq} where ${wq.workPoolId} = ${pool.id} and ${wq.concurrencyLimit} is not null)
      and not exists (select 1 ${limitedFrom})
      and (${names} is null or not exists (select 1 from unnest(${names}) as orion_name(name)
        where not exists (select 1 from ${wq} where ${wq.workPoolId} = ${pool.id} and ${wq.name} = orion_name.name)))`;
  /** Whether the run's deployment has a concurrency limit now. */
  const limitedFlag = sql`exists (select 1 from ${dep} where ${dep.id} = ${fr.deploymentId} and ${dep.concurrencyLimit} is not null)`;
  return { names, polledWhere, limitedFrom, fastPath, limitedFlag };
}

/** Builds and compiles the one-statement read; with `first`, the locking read of the first polled queue. */
function readText(ctx: RepositoryContext, q: Executor, first: boolean): ReadText {
  const { workPool: wp, workQueue: wq, deployment: dep, flowRun: fr } = ctx.tables;
  const columns = Object.entries(getTableColumns(wp)) as [string, Column][];
  const list = sql.join(
    columns.map(([, column]) => sql`${wp}.${sql.identifier(column.name)}`),
    sql`, `,
  );
  // As text: the driver's JSON parsing may be switched off on a caller's client.
  const queues = sql`(select coalesce(json_agg(json_build_array(${wq.id}, ${wq.name}, ${wq.isPaused}, ${wq.concurrencyLimit}) order by ${wq.priority}, ${wq.id}), '[]')::text from ${wq} where ${wq.workPoolId} = ${wp.id})`;
  const { polledWhere, limitedFrom, fastPath, limitedFlag } = claimConditions(ctx, wp);
  const limited = sql`(select coalesce(json_agg(json_build_array(${dep.id}, ${dep.concurrencyLimit}, ${dep.concurrencyOptions}) order by ${dep.id}), '[]')::text ${limitedFrom})`;
  const compiler = (q as unknown as { dialect: Compiler }).dialect;
  let query = sql`select ${list}, ${queues}, ${limited} from ${wp}`;
  let runColumns: [string, Column][] | undefined;
  if (first) {
    // Where claimScheduledRuns's plan would read the first polled queue next, with nothing
    // locked or counted before (claiming.ts): all conditions on the pool's row only, so
    // PostgreSQL tests them once before the scan, and locks nothing when they fail.
    const firstQueue = sql`(select ${wq.id} from ${wq} where ${polledWhere} order by ${wq.priority}, ${wq.id} limit 1)`;
    const claim = claimColumns(fr);
    runColumns = Object.entries(claim) as [string, Column][];
    const runList = sql.join(
      runColumns.map(([, column]) => sql`${fr}.${sql.identifier(column.name)}`),
      sql`, `,
    );
    // The flag as the driver gives it, as firstDueOfQueue decodes it.
    runColumns.push([DEPLOYMENT_LIMITED, { mapFromDriverValue: (v: unknown) => v } as unknown as Column]);
    query = sql`select ${list}, ${queues}, ${limited}, ${fastPath}, orion_first.* from ${wp}
      left join lateral (select ${runList}, ${limitedFlag} from ${fr}
        where ${and(sql`${fr.workQueueId} = ${firstQueue}`, dueConditions(fr, sql.placeholder('before')), fastPath)}
        order by ${fr.nextScheduledStartTime}, ${fr.id} limit ${sql.placeholder('first')}
        for update of ${fr} skip locked) as orion_first on true`;
  }
  const compiled = compiler.sqlToQuery(sql`${query} where ${wp.name} = ${sql.placeholder('name')}`);
  const order = compiled.params.map((param) => (param as { name: string }).name);
  return { sql: compiled.sql, columns, order, runColumns };
}
