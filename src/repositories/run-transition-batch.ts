/**
 * Transitions of many locked runs at once (claims, loop services): the states in one
 * `INSERT … SELECT` and the runs in one `UPDATE … FROM` per batch, each batch's rows travelling as
 * one JSON parameter, on every dialect. A claim of 10,000 runs is a few statements instead of
 * 20,000, and no Drizzle VALUES list is built value by value (the largest share of a claim's Node
 * CPU in issue 13's profile).
 */
import { type Column, Placeholder, type SQL, eq, getTableColumns, is, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor, Row } from '../dialect/dialect.js';
import { encodeRows, recordsetOf } from '../dialect/postgres/fragments.js';
import { uuidv7 } from '../schema/uuid.js';
import { MAX_STATEMENT_BYTES, batches } from './batches.js';
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

/**
 * Data-modifying statements a write on PostgreSQL sends along (a claim's poll marks), as CTEs of
 * its statement: `ctes` builds them once (per `key`) with placeholders only, `values` fills those.
 */
export interface Alongside {
  key: string;
  ctes: () => Record<string, SQL>;
  values: Record<string, unknown>;
}

/**
 * Writes the planned transitions on `q` and resolves to the written run rows, by run id. On
 * PostgreSQL the states' INSERT, the runs' UPDATE and `alongside` are one statement (data-modifying
 * CTEs) when the rows fit one batch; elsewhere, and for larger writes, an INSERT and an UPDATE per
 * batch (then `alongside` apart). `last`: the call sends nothing after this write, so its one
 * statement may carry COMMIT (Dialect.lastStatement).
 */
export async function writeTransitions(
  ctx: RepositoryContext,
  q: Executor,
  target: { kind: 'flow' | 'task'; table: RunTable; stateTable: StateTable },
  planned: readonly PlannedTransition[],
  now: Date,
  alongside?: Alongside,
  last = false,
): Promise<Map<string, Row>> {
  const { kind, table, stateTable } = target;
  const runColumn = kind === 'flow' ? 'flowRunId' : 'taskRunId';
  const stateIdOf = new Map<string, string>();
  const stateRows = planned.map(({ row, transition }) => {
    const id = uuidv7();
    stateIdOf.set(row.id, id);
    return { ...transition.state, id, [runColumn]: row.id, created: now, updated: now };
  });
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
  const stateColumns = stateColumnMap(stateTable, kind);
  const written = new Map<string, Row>();
  const take = (text: UpdateText, rows: unknown[][]) => {
    for (const values of rows) {
      const r = decodeRow(text.returned, values, 0);
      written.set(r.id as string, r);
    }
  };
  if (ctx.dialect.capabilities.writableCte) {
    // One round trip instead of two (three with a claim's marks, 10 to 6 per claim; issue 13), when
    // the rows' JSON fits one statement of 16 MB.
    const values: Record<string, unknown> = {
      ...alongside?.values,
      [STATE_ROWS]: encodeRows(stateRows, stateColumns),
      [UPDATE_ROWS]: encodeRows(updates, withId),
    };
    const bytes =
      Buffer.byteLength(values[STATE_ROWS] as string) + Buffer.byteLength(values[UPDATE_ROWS] as string);
    if (bytes <= MAX_STATEMENT_BYTES) {
      const text = combinedText(q, compiler, { table, stateTable, stateColumns, set, withId }, alongside);
      const send = () =>
        ctx.dialect.queryArrays(
          q,
          text.sql,
          text.order!.map((name) => values[name]),
        );
      take(text, await (last ? ctx.lastStatement(send) : send()));
      return written;
    }
  }
  // Batches sized by bytes (16 MB a statement): states may carry large documents.
  const unbounded = { maxParameters: Number.POSITIVE_INFINITY, parametersPerRow: 1 };
  const stateBatches = batches(stateRows, unbounded);
  const updateBatches = batches(updates, unbounded);
  const names = sql.join(
    Object.values(stateColumns).map((column) => sql.identifier(column.name)),
    sql`, `,
  );
  for (const batch of stateBatches) {
    const insert = sql`insert into ${stateTable} (${names}) select ${names} from ${ctx.fragments.jsonRows(batch, STATE_ROWS, stateColumns)}`;
    const compiled = compiler.sqlToQuery(insert);
    await ctx.dialect.runText(q, compiled.sql, compiled.params);
  }
  const text = updateText(q, compiler, table, set, withId, ctx);
  for (const batch of updateBatches) {
    // The statement's parameters are its FROM item's: the batch as JSON (and on SQLite the paths).
    const { params } = compiler.sqlToQuery(ctx.fragments.jsonRows(batch, UPDATE_ROWS, withId));
    take(text, await ctx.dialect.queryArrays(q, text.sql, params));
  }
  if (alongside) {
    const alone = combinedText(q, compiler, undefined, alongside);
    await ctx.dialect.runText(
      q,
      alone.sql,
      alone.order!.map((name) => alongside.values[name]),
    );
  }
  return written;
}

/** `UPDATE <runs> SET … FROM <rows> WHERE id = rows.id RETURNING <returned>`. */
function runsUpdate(
  q: Executor,
  table: RunTable,
  set: Record<string, SQL>,
  rows: SQL,
  returned: [string, Column][],
): SQL {
  return q
    .update(table)
    .set(set as never)
    .from(rows)
    .where(eq(table.id, sql`${sql.identifier(UPDATE_ROWS)}.${sql.identifier('id')}`))
    .returning(Object.fromEntries(returned) as never)
    .getSQL();
}

/** The FROM item of the states' INSERT. */
const STATE_ROWS = 'orion_states';

const combinedTexts = new WeakMap<object, Map<string, UpdateText>>();

/**
 * PostgreSQL: `with <states' INSERT>, <alongside…> <runs' UPDATE … RETURNING>` (or, without a
 * write, `with <alongside…> select 1`), built and compiled once per run table, column set and
 * alongside kind, its parameters all placeholders: `order` names them in the text's order. The
 * INSERT's rows are visible to the foreign key check of `state_id`, which runs at the statement's
 * end.
 */
function combinedText(
  q: Executor,
  compiler: Compiler,
  write:
    | {
        table: RunTable;
        stateTable: StateTable;
        stateColumns: Record<string, AnyPgColumn>;
        set: Record<string, SQL>;
        withId: Record<string, AnyPgColumn>;
      }
    | undefined,
  alongside: Alongside | undefined,
): UpdateText {
  const owner = write?.table ?? combinedTexts;
  let byKey = combinedTexts.get(owner);
  if (!byKey) {
    byKey = new Map();
    combinedTexts.set(owner, byKey);
  }
  const key = `${write ? Object.keys(write.set).join(',') : ''}|${alongside?.key ?? ''}`;
  let text = byKey.get(key);
  if (text) return text;
  const ctes: SQL[] = [];
  let main: SQL = sql`select 1`;
  let returned: [string, Column][] = [];
  if (write) {
    const { table, stateTable, stateColumns, set, withId } = write;
    const names = sql.join(
      Object.values(stateColumns).map((column) => sql.identifier(column.name)),
      sql`, `,
    );
    const rows = recordsetOf(sql.placeholder(STATE_ROWS), STATE_ROWS, stateColumns);
    ctes.push(
      sql`${sql.identifier(STATE_ROWS)} as (insert into ${stateTable} (${names}) select ${names} from ${rows})`,
    );
    returned = Object.entries(getTableColumns(table)) as [string, Column][];
    main = runsUpdate(
      q,
      table,
      set,
      recordsetOf(sql.placeholder(UPDATE_ROWS), UPDATE_ROWS, withId),
      returned,
    );
  }
  for (const [name, statement] of Object.entries(alongside?.ctes() ?? {}))
    ctes.push(sql`${sql.identifier(name)} as (${statement})`);
  const compiled = compiler.sqlToQuery(sql`with ${sql.join(ctes, sql`, `)} ${main}`);
  const order = compiled.params.map((param) => {
    // Anything but a placeholder would be a value frozen into the reused text.
    if (!is(param, Placeholder)) throw new Error('a combined write has a parameter of its own');
    return param.name;
  });
  text = { sql: compiled.sql, returned, order };
  byKey.set(key, text);
  return text;
}

/** The UPDATE of a run table for a set of changed columns, compiled once, and its RETURNING columns. */
interface UpdateText {
  sql: string;
  returned: [string, Column][];
  /** A combined write's placeholders, in the order of its parameters. */
  order?: string[];
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
    const query = runsUpdate(q, table, set, ctx.fragments.jsonRows([], UPDATE_ROWS, withId), returned);
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
