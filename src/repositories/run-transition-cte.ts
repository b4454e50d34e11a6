/**
 * A state transition as ONE statement, where `WITH` may hold INSERT and UPDATE (PostgreSQL): a
 * data-modifying CTE locks the run row, applies the bookkeeping rules of data-model.md to it,
 * appends the state and points the run at it. The usual way is five round trips (BEGIN, the locked
 * read, INSERT, UPDATE, COMMIT); this is one, and the statement commits by itself. The text is
 * built once per run table and sent with parameters, so the driver keeps it prepared per
 * connection and no Drizzle query is built per call.
 *
 * The rules are the ones `applyTransition` (states.ts) computes for SQLite and for claims; what
 * does not depend on the locked row (the default name, the caller's state details, the run links
 * known before the lock) is still computed there, in JavaScript, and only what reads the row is SQL.
 * The clock is the library's, sent as a parameter: a timestamp at or before the locked run's
 * current state moves to 1 ms after it (rule 0), which keeps the history ordered when the lock was
 * waited for. bookkeeping-model.test.ts checks both paths against a model of the rules.
 */
import { type Column, getTableColumns, getTableName } from 'drizzle-orm';
import type { Executor } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import { TERMINAL_STATE_TYPES } from '../schema/enums.js';
import type { StateDetails } from '../schema/json-types.js';
import { uuidv7 } from '../schema/uuid.js';
import type { RepositoryContext } from './context.js';
import type { RunTable, StateRow, StateTable } from './run-transition-statements.js';
import { MAX_TIME } from './validation.js';
import { type ParsedStateInput, defaultStateName, movedFirst, noLaterState } from './states.js';

/** The statement of one run kind, and the columns its result carries, in order. */
export interface TransitionStatement {
  text: string;
  /** The run's columns (keys and Drizzle columns), as the result carries them after the flags. */
  runColumns: [string, Column][];
  /** The state row's columns, after the run's. */
  stateColumns: [string, Column][];
}

/** What one call sends: the parameters of the statement, in placeholder order. */
interface TransitionParameters {
  runId: string;
  stateId: string;
  now: Date;
  proposed: ParsedStateInput;
  /** undefined: no compare-and-set; null: the run must have no state yet. */
  expectedStateId: string | null | undefined;
  kind: 'flow' | 'task';
  /** The state column holding the data, whose encoder makes its driver text. */
  data: Column;
}

/** A run kind's tables, as the transition statement reads and writes them. */
export interface TransitionTarget {
  entity: 'flow run' | 'task run';
  kind: 'flow' | 'task';
  table: RunTable;
  stateTable: StateTable;
}

/**
 * One transition on `q` (the connection, or the open transaction or savepoint it runs in): the
 * written run row and state row, as Drizzle would return them. NotFoundError, StaleStateError
 * (compare-and-set lost) and ValidationError (rule 0 past the latest time) write nothing.
 */
export async function transitionInOneStatement(
  ctx: RepositoryContext,
  q: Executor,
  target: TransitionTarget,
  runId: string,
  proposed: ParsedStateInput,
  expectedStateId: string | null | undefined,
): Promise<{ run: Record<string, unknown>; state: StateRow; now: Date }> {
  const { kind, table, stateTable } = target;
  const statement = transitionStatement(table, stateTable, ctx.tables.flowRun, kind);
  const now = new Date();
  const params = transitionParameters({
    ...{ runId, stateId: uuidv7(), now, proposed, expectedStateId, kind },
    data: stateTable.data,
  });
  const [row] = await ctx.dialect.queryArrays(q, statement.text, params);
  if (!row) throw new NotFoundError(target.entity, runId);
  if (row[1] !== true)
    throw movedFirst(target.entity, runId, row[0] as string | null, expectedStateId ?? null);
  if (row[2] !== true) throw noLaterState();
  return {
    run: decodeRow(statement.runColumns, row, 3),
    state: decodeRow(statement.stateColumns, row, 3 + statement.runColumns.length) as StateRow,
    now,
  };
}

const TERMINAL = TERMINAL_STATE_TYPES.map((t) => `'${t}'`).join(', ');
const MAX = `'${MAX_TIME.toISOString()}'::timestamptz`;
const quote = (name: string) => `"${name}"`;

/**
 * JavaScript truthiness of a JSON value (`if (policy.resuming)`), in SQL: false for a missing key,
 * null, false, 0 and the empty string; true for anything else.
 */
const truthy = (json: string, value = `(${json})`) =>
  `(case jsonb_typeof(${value}) when 'boolean' then ${value} = 'true'::jsonb when 'number' then ${value}::text::numeric <> 0 when 'string' then ${value} <> '""'::jsonb when 'object' then true when 'array' then true else false end)`;

const statements = new WeakMap<RunTable, TransitionStatement>();

/**
 * The statement for runs in `table` (built on first use, then reused). Parameters: $1 run id,
 * $2 new state id, $3 the library's clock, $4 the proposed timestamp (the clock when none),
 * $5 type, $6 name, $7 message, $8 state details (JSON text, without what the row decides),
 * $9 data (JSON text), $10 the caller's scheduled time, $11 1 for a compare-and-set, $12 the
 * expected state id. One result row unless the run does not exist: `current_state_id`, `allowed`
 * (false: the compare-and-set failed), `in_range` (false: rule 0 would pass the latest accepted
 * time), then the run's and the state's columns when written.
 */
function transitionStatement(
  table: RunTable,
  stateTable: StateTable,
  parentTable: RunTable,
  kind: 'flow' | 'task',
): TransitionStatement {
  let statement = statements.get(table);
  if (statement) return statement;
  const runColumns = Object.entries(getTableColumns(table)) as [string, Column][];
  const stateColumns = Object.entries(getTableColumns(stateTable)) as [string, Column][];
  const run = quote(getTableName(table));
  const states = quote(getTableName(stateTable));
  const runKey = kind === 'flow' ? 'flow_run_id' : 'task_run_id';
  const type = '$5::text';
  const entering = (types: string) => `${type} in (${types})`;
  const task = kind === 'task';
  const text = `with locked as materialized (
  select r.id, r.state_id, r.state_type, r.state_timestamp, r.start_time, r.end_time, r.total_run_time,
    r.run_count, r.expected_start_time, r.next_scheduled_start_time, r.empirical_policy${
      task
        ? `, r.flow_run_id, r.flow_run_run_count,
    (select p.run_count from ${quote(getTableName(parentTable))} p where p.id = r.flow_run_id) as parent_run_count`
        : ''
    }
  from ${run} r where r.id = $1::uuid for update of r
), allowed as (
  select l.*, case when l.state_timestamp is not null and $4::timestamptz <= l.state_timestamp
      then l.state_timestamp + interval '1 millisecond' else $4::timestamptz end as ts
  from locked l where $11::int = 0 or l.state_id is not distinct from $12::uuid
), moved as (
  select a.*, case when ${type} = 'SCHEDULED' then coalesce($10::timestamptz, a.ts) end as scheduled
  from allowed a where a.ts <= ${MAX}
), state as (
  insert into ${states} (id, created, updated, ${runKey}, type, name, timestamp, message, state_details, data)
  select $2::uuid, $3::timestamptz, $3::timestamptz, m.id, ${type}, $6::text, m.ts, $7::text,
    $8::text::jsonb
      || case when ${type} = 'SCHEDULED' and $10::timestamptz is null
        then jsonb_build_object('scheduledTime', to_char(m.ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        else '{}'::jsonb end${
          task
            ? `
      || case when m.flow_run_id is not null then jsonb_build_object('flowRunId', m.flow_run_id) else '{}'::jsonb end`
            : ''
        },
    $9::text::json
  from moved m
  returning ${stateColumns.map(([, c]) => quote(c.name)).join(', ')}
), written as (
  update ${run} r set
    state_id = s.id, state_type = ${type}, state_name = $6::text, state_timestamp = m.ts,
    start_time = case when m.start_time is null and ${entering(`'RUNNING', ${TERMINAL}`)} then m.ts else m.start_time end,
    end_time = case when ${entering(TERMINAL)} then coalesce(m.end_time, m.ts)
      when m.state_type in (${TERMINAL}) then null else m.end_time end,
    total_run_time = case when m.state_type = 'RUNNING' and m.state_timestamp is not null
      then m.total_run_time + extract(epoch from m.ts - m.state_timestamp)::float8 else m.total_run_time end,
    run_count = case when ${type} = 'RUNNING'${
      task ? '' : ` and m.empirical_policy -> 'resuming' is distinct from 'true'::jsonb`
    } then m.run_count + 1 else m.run_count end,
    expected_start_time = coalesce(m.expected_start_time, m.scheduled, m.ts),
    next_scheduled_start_time = case when ${type} = 'SCHEDULED' then m.scheduled
      when m.state_type = 'SCHEDULED' then null else m.next_scheduled_start_time end,${
        task
          ? `
    flow_run_run_count = case when ${type} = 'RUNNING' then coalesce(m.parent_run_count, 0) else m.flow_run_run_count end,`
          : `
    empirical_policy = case when ${entering(`'RUNNING', ${TERMINAL}`)} and ${truthy("m.empirical_policy -> 'resuming'")}
      then m.empirical_policy || '{"resuming": false}'::jsonb else m.empirical_policy end,`
      }
    updated = $3::timestamptz
  from moved m, state s where r.id = m.id
  returning ${runColumns.map(([, c]) => `r.${quote(c.name)}`).join(', ')}
)
select l.state_id, a.id is not null, m.id is not null, w.*, s.*
from locked l left join allowed a on true left join moved m on true
  left join written w on true left join state s on true`;
  statement = { text, runColumns, stateColumns };
  statements.set(table, statement);
  return statement;
}

/**
 * The parameters of one transition. Decided here, before the lock: the name, and the details the
 * row does not change (the caller's, with `flowRunId`/`taskRunId` where the run id gives them).
 */
function transitionParameters(p: TransitionParameters): unknown[] {
  const { proposed } = p;
  const details: StateDetails = { ...((proposed.stateDetails ?? {}) as StateDetails) };
  const scheduled = typeof details.scheduledTime === 'string' ? details.scheduledTime : null;
  // Rule 8: a flow run's state links to the flow run; a task run's to the task run (and, in SQL, to
  // the flow run the locked row names).
  if (p.kind === 'flow') details.flowRunId = p.runId;
  else details.taskRunId = p.runId;
  const data = proposed.data ?? null;
  return [
    p.runId,
    p.stateId,
    p.now.toISOString(),
    (proposed.timestamp ?? p.now).toISOString(),
    proposed.type,
    proposed.name ?? defaultStateName(proposed.type),
    proposed.message ?? null,
    JSON.stringify(details),
    data === null ? null : p.data.mapToDriverValue(data),
    scheduled,
    p.expectedStateId === undefined ? 0 : 1,
    p.expectedStateId ?? null,
  ];
}

/** A row of the result, decoded as Drizzle decodes a row of these columns. */
/** A result row given as driver values (from `from` on), decoded by each column's own decoder, by key. */
export function decodeRow(columns: [string, Column][], values: readonly unknown[], from: number) {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const [key, column] = columns[i]!;
    const value = values[from + i];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row;
}
