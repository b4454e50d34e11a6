/**
 * A claim's first read: its work pool by name and the pool's queues in priority order. On
 * PostgreSQL one statement, compiled once, whose queues come as one JSON text column (a round trip
 * and two Drizzle builds fewer per claim; issue 13, claim-100), and with them the limited
 * deployments with due runs in the queues the claim polls (limitedDueDeployments, one more round
 * trip fewer); elsewhere two Drizzle reads.
 */
import { type Column, type SQL, and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import { pgArrayLiteral } from '../dialect/postgres/fragments.js';
import { NotFoundError } from '../errors.js';
import { dueConditions } from './claim-candidates.js';
import type { LimitedDeployment } from './claim-statements.js';
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

/** The text of the one-statement read, by pool table (one per dialect instance's schema). */
const texts = new WeakMap<object, { sql: string; columns: [string, Column][]; order: string[] }>();

/** Compiler of the Drizzle dialect behind an executor. */
interface Compiler {
  sqlToQuery(query: SQL): { sql: string; params: unknown[] };
}

/**
 * The pool named `name` (unlocked) and its queues; on PostgreSQL also `limited`, what
 * limitedDueDeployments reads for the pool's unpaused queues (those of `probe.names` when given)
 * and `probe.before`, read by the same statement.
 * @throws NotFoundError when no pool has that name.
 */
export async function readPoolAndQueues(
  ctx: RepositoryContext,
  q: Executor,
  name: string,
  probe: { before: Date; names: string[] | undefined },
): Promise<{ pool: WorkPool; queues: PolledQueue[]; limited?: LimitedDeployment[] }> {
  const { workPool: wp, workQueue: wq, deployment: dep, flowRun: fr } = ctx.tables;
  const missing = () => new NotFoundError('work pool', name, `work pool "${name}" not found`);
  if (!ctx.dialect.capabilities.writableCte) {
    const [pool] = await q.select().from(wp).where(eq(wp.name, name));
    if (!pool) throw missing();
    return { pool, queues: await readQueues(ctx, q, pool.id) };
  }
  let text = texts.get(wp);
  if (!text) {
    const columns = Object.entries(getTableColumns(wp)) as [string, Column][];
    const list = sql.join(
      columns.map(([, column]) => sql`${wp}.${sql.identifier(column.name)}`),
      sql`, `,
    );
    // As text: the driver's JSON parsing may be switched off on a caller's client.
    const queues = sql`(select coalesce(json_agg(json_build_array(${wq.id}, ${wq.name}, ${wq.isPaused}, ${wq.concurrencyLimit}) order by ${wq.priority}, ${wq.id}), '[]')::text from ${wq} where ${wq.workPoolId} = ${wp.id})`;
    // The probe of limitedDueDeployments (a LATERAL `LIMIT 1` per limited deployment), over the
    // queues a claim polls: unpaused, and named when the claim names them.
    const names = sql`${sql.placeholder('names')}::text::text[]`;
    const polled = sql`select ${wq.id} from ${wq} where ${wq.workPoolId} = ${wp.id} and not ${wq.isPaused} and (${names} is null or ${wq.name} = any(${names}))`;
    const due = and(
      eq(fr.deploymentId, dep.id),
      sql`${fr.workQueueId} in (${polled})`,
      dueConditions(fr, sql.placeholder('before')),
    );
    const limited = sql`(select coalesce(json_agg(json_build_array(${dep.id}, ${dep.concurrencyLimit}, ${dep.concurrencyOptions}) order by ${dep.id}), '[]')::text from ${dep}
      cross join lateral (select 1 from ${fr} where ${due} limit 1) as orion_due
      where ${dep.concurrencyLimit} is not null)`;
    const compiler = (q as unknown as { dialect: Compiler }).dialect;
    const compiled = compiler.sqlToQuery(
      sql`select ${list}, ${queues}, ${limited} from ${wp} where ${wp.name} = ${sql.placeholder('name')}`,
    );
    const order = compiled.params.map((param) => (param as { name: string }).name);
    text = { sql: compiled.sql, columns, order };
    texts.set(wp, text);
  }
  const values: Record<string, unknown> = {
    name,
    names: probe.names ? pgArrayLiteral(probe.names) : null,
    before: fr.nextScheduledStartTime.mapToDriverValue(probe.before),
  };
  const [row] = await ctx.dialect.queryArrays(
    q,
    text.sql,
    text.order.map((key) => values[key]),
  );
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
  return { pool, queues, limited };
}
