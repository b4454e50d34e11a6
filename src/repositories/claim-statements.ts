/**
 * The statements every claim sends, built and compiled once per run table and kept as text with
 * named placeholders: building them with Drizzle on each claim (the select builder, its SQL
 * fragments and their compilation, then its row mapping) was about a quarter of a claim's Node CPU
 * (issue 13, claim-drain-1). Rows come back as arrays and are decoded by each column's own decoder.
 */
import { type Column, Placeholder, type SQL, and, asc, eq, is, isNotNull, sql } from 'drizzle-orm';
import type { Executor, Row } from '../dialect/dialect.js';
import { pgArrayLiteral } from '../dialect/postgres/fragments.js';
import { dueConditions } from './claim-candidates.js';
import type { RepositoryContext } from './context.js';
import { decodeRow } from './run-transition-cte.js';
import { runColumnMap } from './run-transition-statements.js';

/** The Drizzle dialect behind an executor, which turns SQL into text and parameters. */
interface Compiler {
  sqlToQuery(query: SQL): { sql: string; params: unknown[] };
}

/** A statement compiled once: its text, its placeholders in parameter order, its result columns. */
interface Compiled {
  sql: string;
  order: string[];
  columns: [string, Column][];
}

const compiled = new WeakMap<object, Map<string, Compiled>>();

/** The statement `key` of `owner` (a table of one dialect instance's schema), compiled on first use. */
function once(
  q: Executor,
  owner: object,
  key: string,
  build: () => { query: SQL; columns: [string, Column][] },
): Compiled {
  let byKey = compiled.get(owner);
  if (!byKey) {
    byKey = new Map();
    compiled.set(owner, byKey);
  }
  let text = byKey.get(key);
  if (text) return text;
  const { query, columns } = build();
  const out = (q as unknown as { dialect: Compiler }).dialect.sqlToQuery(query);
  const order = out.params.map((param) => {
    // Anything but a placeholder would be a value frozen into the reused text.
    if (!is(param, Placeholder)) throw new Error(`claim statement ${key} has a parameter of its own`);
    return param.name;
  });
  text = { sql: out.sql, order, columns };
  byKey.set(key, text);
  return text;
}

async function run(ctx: RepositoryContext, q: Executor, text: Compiled, values: Record<string, unknown>) {
  const rows = await ctx.dialect.queryArrays(
    q,
    text.sql,
    text.order.map((name) => values[name]),
  );
  return rows.map((row) => decodeRow(text.columns, row, 0));
}

/** `column in <the ids of placeholder name>`: one parameter, as the dialects' inList sends them. */
function inIds(ctx: RepositoryContext, column: Column, name: string): SQL {
  return ctx.dialect.name === 'postgresql'
    ? sql`${column} in (select unnest(${sql.placeholder(name)}::text::uuid[]))`
    : sql`${column} in (select value from json_each(${sql.placeholder(name)}))`;
}

/** The value of an inIds placeholder. */
const idList = (ctx: RepositoryContext, ids: string[]) =>
  ctx.dialect.name === 'postgresql' ? pgArrayLiteral(ids) : JSON.stringify(ids);

/** Whether the run's deployment has a concurrency limit, read alongside a locked candidate. */
export const DEPLOYMENT_LIMITED = 'deploymentLimited';

/**
 * What a claim reads of a locked run: its queue and deployment, and the columns the transition's
 * bookkeeping reads and may write (runColumnMap). Not the other 17 (name, parameters, tags, ...):
 * the locking read of a claim of 100 mapped 3,200 values it never used (issue 13, claim-100).
 */
export function claimColumns(fr: RepositoryContext['tables']['flowRun']) {
  const transition = runColumnMap(fr, 'flow') as unknown as Record<string, typeof fr.id>;
  return { id: fr.id, workQueueId: fr.workQueueId, deploymentId: fr.deploymentId, ...transition };
}

/**
 * The first `count` due runs of one queue in claim order (due time, id), with claimColumns and
 * whether their deployment has a limit; with `lock`, `FOR UPDATE SKIP LOCKED`, so the LIMIT counts
 * the rows locked and the read locks exactly the runs it returns.
 */
export function firstDueOfQueue(
  ctx: RepositoryContext,
  q: Executor,
  o: { queueId: string; before: Date; count: number; lock: boolean },
): Promise<Row[]> {
  const { flowRun: fr, deployment: dep } = ctx.tables;
  const text = once(q, fr, `first-due-of-queue|${o.lock}`, () => {
    const columns = claimColumns(fr);
    const limited = sql<unknown>`exists (select 1 from ${dep} where ${dep.id} = ${fr.deploymentId} and ${dep.concurrencyLimit} is not null)`;
    let query = q
      .select({ ...columns, [DEPLOYMENT_LIMITED]: limited })
      .from(fr)
      .where(and(eq(fr.workQueueId, sql.placeholder('queue')), dueConditions(fr, sql.placeholder('before'))))
      .orderBy(asc(fr.nextScheduledStartTime), asc(fr.id))
      .limit(sql.placeholder('count') as unknown as number)
      .$dynamic();
    if (o.lock) query = query.for('update', { of: fr, skipLocked: true });
    const decoded = Object.entries(columns) as [string, Column][];
    // The flag as the driver gives it (true on PostgreSQL, 1 on SQLite).
    decoded.push([DEPLOYMENT_LIMITED, { mapFromDriverValue: (v: unknown) => v } as unknown as Column]);
    return { query: query.getSQL(), columns: decoded };
  });
  return run(ctx, q, text, {
    queue: fr.workQueueId.mapToDriverValue(o.queueId),
    before: fr.nextScheduledStartTime.mapToDriverValue(o.before),
    count: o.count,
  });
}

/** A deployment with a concurrency limit, as a claim reads it. */
export interface LimitedDeployment {
  id: string;
  limit: number | null;
  options: RepositoryContext['tables']['deployment']['$inferSelect']['concurrencyOptions'];
}

/**
 * The deployments with a concurrency limit that have due runs in one of `queueIds`, in id order:
 * driven from the (few) limited deployments, each probing the scheduled-runs index for one due run.
 * On PostgreSQL the probe is a LATERAL `LIMIT 1` per deployment: as an `EXISTS`, the planner could
 * turn it into a semi-join read from the runs' side, every due run of the polled queues (1,000 at
 * 100k runs, 10,000 at 1M) where no deployment has a limit, whenever the deployments' statistics
 * were missing or old (issue 13, claim-100: 2.5–11 ms a claim). SQLite runs a correlated `EXISTS`
 * per outer row anyway.
 */
export async function limitedDueDeployments(
  ctx: RepositoryContext,
  q: Executor,
  queueIds: string[],
  before: Date,
): Promise<LimitedDeployment[]> {
  const { flowRun: fr, deployment: dep } = ctx.tables;
  const text = once(q, fr, 'limited-due-deployments', () => {
    const columns = { id: dep.id, limit: dep.concurrencyLimit, options: dep.concurrencyOptions };
    const due = and(
      eq(fr.deploymentId, dep.id),
      inIds(ctx, fr.workQueueId, 'queues'),
      dueConditions(fr, sql.placeholder('before')),
    );
    const probe =
      ctx.dialect.name === 'postgresql'
        ? sql`cross join lateral (select 1 from ${fr} where ${due} limit 1) as orion_due`
        : sql`where exists (select 1 from ${fr} where ${due})`;
    const list = sql.join(
      Object.values(columns).map((column) => sql`${dep}.${sql.identifier(column.name)}`),
      sql`, `,
    );
    const where = ctx.dialect.name === 'postgresql' ? sql`where` : sql`and`;
    const query = sql`select ${list} from ${dep} ${probe} ${where} ${isNotNull(dep.concurrencyLimit)} order by ${dep.id}`;
    return { query, columns: Object.entries(columns) as [string, Column][] };
  });
  return (await run(ctx, q, text, {
    queues: idList(ctx, queueIds),
    before: fr.nextScheduledStartTime.mapToDriverValue(before),
  })) as unknown as LimitedDeployment[];
}
