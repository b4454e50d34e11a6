import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from '../../src/index.js';

let statements = 0;

/**
 * The plan PostgreSQL uses for `query` as the library sends it: prepared, with the user's values
 * as parameters (a plain EXPLAIN over the wire would plan with unknown parameter values). Returns
 * the plan's lines joined.
 */
export function preparedPlan(db: Database, query: SQL): Promise<string> {
  const compiled = new PgDialect().sqlToQuery(query);
  return textPlan(db, { text: compiled.sql, params: compiled.params });
}

/** preparedPlan of a statement written as text with `$n` placeholders. */
export async function textPlan(
  db: Database,
  compiled: { text: string; params: readonly unknown[] },
): Promise<string> {
  const name = `orion_plan_${process.pid}_${++statements}`;
  await db.execute(`prepare ${name} as ${compiled.text}`);
  const args = compiled.params
    .map((p) => (p instanceof Date ? p.toISOString() : String(p)))
    .map((p) => `'${p.replace(/'/g, "''")}'`)
    .join(', ');
  const rows = await db.execute<{ 'QUERY PLAN': string }>(`explain execute ${name}(${args})`);
  await db.execute(`deallocate ${name}`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** preparedPlan of `select <column> from <table> where <where>`. */
export function wherePlan(db: Database, column: SQL | object, table: object, where: SQL): Promise<string> {
  return preparedPlan(db, sql`select ${column} from ${table} where ${where}`);
}

export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Sort Key'?: string[];
  'CTE Name'?: string;
  /** With `verbose`: the node's output expressions. */
  Output?: string[];
  Plans?: PlanNode[];
}

/** Every node of a JSON plan, depth first. */
export function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

/**
 * The JSON plan of a statement as the library sent it (text and parameters, e.g. recorded by a
 * postgres.js `debug` hook), prepared with those parameters, as a custom or a generic plan; its
 * nodes depth first, with their output expressions when `verbose`.
 */
export function jsonPlan(
  db: Database,
  statement: { text: string; params: readonly unknown[] },
  generic = false,
  verbose = false,
): Promise<PlanNode[]> {
  return db.transaction(async (tx) => {
    if (generic) await tx.execute('set local plan_cache_mode = force_generic_plan');
    await tx.execute(`prepare orion_hot_plan as ${statement.text}`);
    const args = statement.params.map((p) => (p === null ? 'null' : `'${String(p).replace(/'/g, "''")}'`));
    const rows = await tx.execute<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `explain (format json${verbose ? ', verbose' : ''}) execute orion_hot_plan${args.length > 0 ? `(${args.join(', ')})` : ''}`,
    );
    await tx.execute('deallocate orion_hot_plan');
    const plan = rows[0]!['QUERY PLAN'];
    return nodes((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
  });
}
