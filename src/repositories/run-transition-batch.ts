/**
 * Transitions of many locked runs at once (claims, loop services): the states in one
 * `INSERT … SELECT` and the runs in one `UPDATE … FROM` per batch, each batch's rows travelling as
 * one JSON parameter, on every dialect. A claim of 10,000 runs is a few statements instead of
 * 20,000, and no Drizzle VALUES list is built value by value (the largest share of a claim's Node
 * CPU in issue 13's profile).
 */
import { type Column, type SQL, eq, getTableColumns, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor, Row } from '../dialect/dialect.js';
import { uuidv7 } from '../schema/uuid.js';
import { batches } from './batches.js';
import type { RepositoryContext } from './context.js';
import {
  type RunTable,
  type StateTable,
  UPDATE_ROWS,
  changedRunColumns,
  encode,
  runColumnMap,
  runValues,
  stateColumnMap,
} from './run-transition-statements.js';
import { decodeRow } from './run-transition-cte.js';
import type { Transition } from './states.js';

/** The Drizzle dialect behind an executor, which turns SQL into text and parameters. */
interface Compiler {
  sqlToQuery(query: SQL): { sql: string; params: unknown[] };
}

/** One run's planned transition: the locked row as read and what the rules computed. */
export interface PlannedTransition {
  row: Row & { id: string };
  transition: Transition;
}

/** Writes the planned transitions on `q` and resolves to the written run rows, by run id. */
export async function writeTransitions(
  ctx: RepositoryContext,
  q: Executor,
  target: { kind: 'flow' | 'task'; table: RunTable; stateTable: StateTable },
  planned: readonly PlannedTransition[],
  now: Date,
): Promise<Map<string, Row>> {
  const { kind, table, stateTable } = target;
  const runColumn = kind === 'flow' ? 'flowRunId' : 'taskRunId';
  const stateIdOf = new Map<string, string>();
  const stateRows = planned.map(({ row, transition }) => {
    const id = uuidv7();
    stateIdOf.set(row.id, id);
    return { ...transition.state, id, [runColumn]: row.id, created: now, updated: now };
  });
  const unbounded = { maxParameters: Number.POSITIVE_INFINITY, parametersPerRow: 1 };
  const stateColumns = stateColumnMap(stateTable, kind);
  const names = sql.join(
    Object.values(stateColumns).map((column) => sql.identifier(column.name)),
    sql`, `,
  );
  // Batches sized by bytes (16 MB a statement): states may carry large documents.
  for (const batch of batches(stateRows, unbounded)) {
    const insert = sql`insert into ${stateTable} (${names}) select ${names} from ${ctx.fragments.jsonRows(batch, 'orion_states', stateColumns)}`;
    const compiled = (q as unknown as { dialect: Compiler }).dialect.sqlToQuery(insert);
    await ctx.dialect.runText(q, compiled.sql, compiled.params);
  }
  const updates = planned.map(({ row, transition }) => {
    const values = runValues(transition.run, stateIdOf.get(row.id)!, now);
    if (kind === 'task') values.flowRunRunCount ??= row.flowRunRunCount as number;
    return { ...values, id: row.id };
  });
  // Only the columns some run of the batch changes (changedRunColumns): SQLite rewrites the index
  // entries of every column an UPDATE sets, and a claim (SCHEDULED to PENDING) leaves start, end,
  // run count and run time as they were.
  const all = runColumnMap(table, kind);
  const changed = new Set<string>();
  planned.forEach(({ row }, i) => {
    for (const key of changedRunColumns(all, encode(all, updates[i]!), row)) changed.add(key);
  });
  const columns = Object.fromEntries(Object.entries(all).filter(([key]) => changed.has(key)));
  const from = (name: string) => sql`${sql.identifier(UPDATE_ROWS)}.${sql.identifier(name)}`;
  const set = Object.fromEntries(Object.entries(columns).map(([key, column]) => [key, from(column.name)]));
  const withId = { id: (table as unknown as Record<string, AnyPgColumn>).id!, ...columns };
  const compiler = (q as unknown as { dialect: Compiler }).dialect;
  const text = updateText(q, compiler, table, set, withId, ctx);
  const written = new Map<string, Row>();
  for (const batch of batches(updates, unbounded)) {
    // The statement's parameters are its FROM item's: the batch as JSON (and on SQLite the paths).
    const { params } = compiler.sqlToQuery(ctx.fragments.jsonRows(batch, UPDATE_ROWS, withId));
    for (const values of await ctx.dialect.queryArrays(q, text.sql, params)) {
      const r = decodeRow(text.returned, values, 0);
      written.set(r.id as string, r);
    }
  }
  return written;
}

/** The UPDATE of a run table for a set of changed columns, compiled once, and its RETURNING columns. */
interface UpdateText {
  sql: string;
  returned: [string, Column][];
}

const updateTexts = new WeakMap<object, Map<string, UpdateText>>();

/**
 * The multi-run UPDATE's text for these columns, built and compiled once per run table and column
 * set: its only parameters are its FROM item's (the rows as JSON), so the text never changes with
 * the batch. Its
 * rows come back as arrays, decoded column by column: Drizzle's `returning()` re-checked every
 * field of 100 rows × 32 columns per claim, and building the statement each time was a tenth of a
 * claim's Node CPU on PostgreSQL (issue 13, claim-100).
 */
function updateText(
  q: Executor,
  compiler: Compiler,
  table: RunTable,
  set: Record<string, SQL>,
  withId: Record<string, AnyPgColumn>,
  ctx: RepositoryContext,
): UpdateText {
  let byColumns = updateTexts.get(table);
  if (!byColumns) {
    byColumns = new Map();
    updateTexts.set(table, byColumns);
  }
  const key = Object.keys(set).join(',');
  let text = byColumns.get(key);
  if (!text) {
    const returned = Object.entries(getTableColumns(table)) as [string, Column][];
    const query = q
      .update(table)
      .set(set as never)
      .from(ctx.fragments.jsonRows([], UPDATE_ROWS, withId))
      .where(eq(table.id, sql`${sql.identifier(UPDATE_ROWS)}.${sql.identifier('id')}`))
      .returning(Object.fromEntries(returned) as never)
      .getSQL();
    const compiled = compiler.sqlToQuery(query);
    const own = compiler.sqlToQuery(ctx.fragments.jsonRows([], UPDATE_ROWS, withId)).params;
    // Only the FROM item carries parameters (SET, WHERE and RETURNING name columns).
    if (compiled.params.length !== own.length)
      throw new Error('the multi-run UPDATE has parameters of its own');
    text = { sql: compiled.sql, returned };
    byColumns.set(key, text);
  }
  return text;
}
