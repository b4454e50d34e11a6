/**
 * What flow runs and task runs share: reading, counting by state, deleting, and state transitions
 * with the bookkeeping of data-model.md under a row lock (compare-and-set with expectedStateId).
 */
import { type SQL, and, asc, eq } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { type Executor, LATER } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import type { StateType } from '../schema/enums.js';
import { rowById } from './by-id.js';
import type { RepositoryContext } from './context.js';
import { countRuns, countStates } from './run-counts.js';
import { paged } from './sorting.js';
import { type Fields, columnsOf, readRows } from './table-rows.js';
import {
  type ParsedStateInput,
  type RunBookkeeping,
  type State,
  type StateInput,
  type Transition,
  applyTransition,
  bareStateInput,
  estimatedRunTime,
  estimatedStartTimeDelta,
  movedFirst,
  stateInput,
} from './states.js';
import { transitionInOneStatement } from './run-transition-cte.js';
import { type Alongside, type PlannedTransition, writeTransitions } from './run-transition-batch.js';
import {
  type PreparedTransition,
  type RunTable,
  type StateRow,
  type StateTable,
  bookkeeping,
  prepareTransition,
  runValues,
  toState,
  writePrepared,
} from './run-transition-statements.js';
import { parse, parseUuid } from './validation.js';
import {
  type DerivedRunFields,
  type RunSort,
  type SetStateOptions,
  runOrder,
  setStateOptions,
} from './run-options.js';

export {
  type DerivedRunFields,
  RUN_SORTS,
  type RunSort,
  type SetStateOptions,
  runOrder,
  setStateOptions,
} from './run-options.js';

/** `{}` as a literal: setState's default options, which need no validation. */
const isEmptyPlainObject = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  Object.getPrototypeOf(value) === Object.prototype &&
  Object.keys(value).length === 0;

export abstract class RunRepositoryBase<Row extends { id: string }, Run> {
  protected abstract readonly entity: 'flow run' | 'task run';
  protected abstract readonly kind: 'flow' | 'task';

  constructor(protected readonly ctx: RepositoryContext) {}

  protected abstract get table(): RunTable;
  protected abstract get stateTable(): StateTable;
  /** The state table's column pointing at the run. */
  protected abstract get stateRunColumn(): AnyPgColumn;
  /** Converts a row into the public shape (derived fields added, internal columns dropped). */
  protected abstract toRun(row: Row, now: Date): Run;
  /** Extra columns read under the lock (task runs: the parent flow run's id and run_count). */
  protected abstract lockedExtras(): Record<string, SQL | AnyPgColumn>;
  protected abstract transitionContext(
    row: Record<string, unknown>,
    now: Date,
  ): { flowRunId: string | null; taskRunId?: string; parentRunCount?: number | null };

  protected derived(row: RunBookkeeping, now: Date): DerivedRunFields {
    return {
      estimatedRunTime: estimatedRunTime(row, now),
      estimatedStartTimeDelta: estimatedStartTimeDelta(row, now),
    };
  }

  async get(id: string): Promise<Run | null> {
    const runId = parseUuid(id, `${this.entity} id`);
    return this.ctx.run(async (q) => {
      const row = await rowById<Row>(this.ctx, q, `${this.kind}_run`, this.table, runId);
      return row ? this.toRun(row, new Date()) : null;
    });
  }

  /** The sort key of the START_TIME sorts: coalesce(start_time, expected_start_time). */
  protected abstract get startTimeKey(): AnyPgColumn | SQL;

  /** The columns a list reads: those of the public shape, in its order (see toRun). */
  protected listFields(): Fields {
    return columnsOf(this.table);
  }

  /** Lists runs matching the conditions `where` builds, sorted (ID_DESC by default) and paged. */
  protected listRuns(
    where: (q: Executor) => SQL[],
    page: { sort?: RunSort; limit?: number; offset?: number },
  ): Promise<Run[]> {
    const t = this.table;
    const fields = this.listFields();
    return this.ctx.run(async (q) => {
      let select = q
        .select(fields)
        .from(t)
        .where(and(...where(q)))
        .orderBy(...runOrder(page.sort ?? 'ID_DESC', t, this.startTimeKey))
        .$dynamic();
      select = paged(select, page, this.ctx.fragments);
      const rows = await readRows<RunBookkeeping & Record<string, unknown>>(this.ctx, q, select, fields);
      const now = new Date();
      // The read rows are the public shape but for the derived fields, which go last (as toRun's).
      for (const row of rows) {
        row.estimatedRunTime = estimatedRunTime(row, now);
        row.estimatedStartTimeDelta = estimatedStartTimeDelta(row, now);
      }
      return rows as unknown as Run[];
    });
  }

  /** Counts runs matching the conditions `where` builds. */
  protected countRuns(where: (q: Executor) => SQL[]): Promise<number> {
    return countRuns(this.ctx, this.table, where);
  }

  /** Counts runs per state type matching `where`; every type is present, zeros included. */
  protected countStates(where: (q: Executor) => SQL[]): Promise<Record<StateType, number>> {
    return countStates(this.ctx, this.table, where);
  }

  async delete(id: string): Promise<void> {
    const runId = parseUuid(id, `${this.entity} id`);
    await this.ctx.run(async (q) => {
      const deleted = await q
        .delete(this.table)
        .where(eq(this.table.id, runId))
        .returning({ id: this.table.id });
      if (deleted.length === 0) throw new NotFoundError(this.entity, runId);
    });
  }

  /** The run's state history, ordered by (timestamp, id). */
  async states(id: string): Promise<State[]> {
    const runId = parseUuid(id, `${this.entity} id`);
    return this.ctx.run(async (q) => {
      const rows = await q
        .select()
        .from(this.stateTable)
        .where(eq(this.stateRunColumn, runId))
        .orderBy(asc(this.stateTable.timestamp), asc(this.stateTable.id));
      if (rows.length === 0) {
        const [exists] = await q
          .select({ id: this.table.id })
          .from(this.table)
          .where(eq(this.table.id, runId));
        if (!exists) throw new NotFoundError(this.entity, runId);
      }
      return rows.map(toState);
    });
  }

  /**
   * Appends a state, points the run at it and applies the bookkeeping, in one transaction with the
   * run locked. With `expectedStateId` (null = "no state yet") it is a compare-and-set: if the run
   * moved first, StaleStateError and nothing is written.
   */
  async setState(
    id: string,
    state: StateInput,
    options: SetStateOptions = {},
  ): Promise<{ run: Run; state: State }> {
    const runId = parseUuid(id, `${this.entity} id`);
    const proposed = bareStateInput(state) ?? parse(stateInput, state, 'state');
    const opts = isEmptyPlainObject(options) ? {} : parse(setStateOptions, options, 'setState options');
    const prepared = this.preparedTransition();
    if (prepared) {
      const done = this.ctx.transactionNow(() =>
        this.preparedTransitionOf(prepared, runId, proposed, opts.expectedStateId),
      );
      if (done !== LATER) return done;
    }
    const body = (q: Executor) => this.transition(q, runId, proposed, opts.expectedStateId);
    // One statement is atomic by itself: no BEGIN/COMMIT of its own (a savepoint inside a transaction).
    return this.ctx.dialect.capabilities.writableCte ? this.ctx.statement(body) : this.ctx.transaction(body);
  }

  /**
   * Applies one state to several runs that the caller has already locked and read in its open
   * transaction (claiming): one multi-row INSERT for the states, then one UPDATE per run, instead of
   * a locked re-read per run. `alongside` (a claim's poll marks) is written with them, in their
   * statement where the dialect allows it (writeTransitions); `rows` must not be empty then. `last`:
   * the caller sends nothing after this write, so where it is one statement COMMIT may go with it.
   * @internal
   */
  async transitionLocked<Locked extends { id: string }>(
    q: Executor,
    rows: Locked[],
    state: StateInput | ((row: Locked) => StateInput),
    alongside?: Alongside,
    last = false,
  ): Promise<Run[]> {
    if (rows.length === 0) return [];
    const same = typeof state === 'function' ? undefined : parse(stateInput, state, 'state');
    const now = new Date();
    const planned = rows.map((row) => {
      const current = row as unknown as RunBookkeeping & Record<string, unknown>;
      const proposed = same ?? parse(stateInput, (state as (row: Locked) => StateInput)(row), 'state');
      return {
        row,
        transition: applyTransition(current, proposed, {
          kind: this.kind,
          now,
          ...this.transitionContext(current, now),
        }),
      };
    });
    const prepared = this.preparedTransition();
    // One run: the prepared statements. More (a claim): set-based on every dialect, an INSERT and
    // an UPDATE per batch instead of two statements per run.
    if (prepared && planned.length === 1 && !alongside) {
      const out: Run[] = [];
      for (const { row, transition } of planned) {
        out.push(
          this.writePrepared(prepared, row.id, transition, now, row as Record<string, unknown>, false).run,
        );
      }
      return out;
    }
    const { kind, table, stateTable } = this;
    const written = await writeTransitions(
      this.ctx,
      q,
      { kind, table, stateTable },
      planned as unknown as PlannedTransition[],
      now,
      alongside,
      last,
    );
    return planned.map(({ row }) => this.toRun(written.get(row.id)! as unknown as Row, now));
  }

  /**
   * Up to `limit` runs matching `where`, in `order`, locked for a transition in the caller's open
   * transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent callers take different rows;
   * SQLite's write lock serialises them), with the columns a transition reads.
   * @internal
   */
  async lockWhere(q: Executor, where: SQL, order: SQL[], limit: number): Promise<Row[]> {
    let query = q
      .select()
      .from(this.table)
      .where(where)
      .orderBy(...order)
      .limit(limit)
      .$dynamic();
    if (this.ctx.rowLocking) query = query.for('update', { skipLocked: true });
    return (await query) as unknown as Row[];
  }

  /** @internal the public shape of a row read elsewhere. */
  present(row: Row, now: Date): Run {
    return this.toRun(row, now);
  }

  /** The transition's statements, prepared once where the dialect's executor is stable (SQLite). */
  private preparedTransition(): PreparedTransition | undefined {
    return this.ctx.reusable(`${this.kind}-run-transition`, (root) =>
      prepareTransition(root, this.table, this.stateTable, this.kind, this.lockedExtras()),
    );
  }

  /**
   * One transition on `q`: one statement where the dialect allows data-modifying CTEs
   * (run-transition-cte.ts); elsewhere, inside an open transaction, three (lock-read, insert state,
   * update run).
   */
  protected async transition(
    q: Executor,
    runId: string,
    proposed: ParsedStateInput,
    expectedStateId?: string | null,
  ): Promise<{ run: Run; state: State }> {
    if (this.ctx.dialect.capabilities.writableCte) {
      const { entity, kind, table, stateTable } = this;
      const target = { entity, kind, table, stateTable };
      const written = await transitionInOneStatement(this.ctx, q, target, runId, proposed, expectedStateId);
      return { run: this.toRun(written.run as unknown as Row, written.now), state: toState(written.state) };
    }
    const prepared = this.preparedTransition();
    // SQLite: better-sqlite3 answers synchronously, so the whole transition runs without awaiting
    // (each await is a trip through the microtask queue, with AsyncLocalStorage's promise hooks).
    if (prepared) return this.preparedTransitionOf(prepared, runId, proposed, expectedStateId);
    let locked = q
      .select({ ...bookkeeping(this.table), ...this.lockedExtras() })
      .from(this.table)
      .where(eq(this.table.id, runId))
      .$dynamic();
    if (this.ctx.rowLocking) locked = locked.for('update', { of: this.table });
    const [current] = (await locked) as (RunBookkeeping & Record<string, unknown>)[];
    const { transition, now } = this.planTransition(runId, current, proposed, expectedStateId);
    return this.writeTransition(q, runId, transition, now);
  }

  /**
   * `transition` as the last thing a call sends in its own transaction: where it is one statement
   * (PostgreSQL), COMMIT may travel with it (Dialect.lastStatement); elsewhere it is `transition`.
   */
  protected lastTransition(
    q: Executor,
    runId: string,
    proposed: ParsedStateInput,
  ): Promise<{ run: Run; state: State }> {
    const send = () => this.transition(q, runId, proposed);
    return this.ctx.dialect.capabilities.writableCte ? this.ctx.lastStatement(send) : send();
  }

  /** `transition` on the prepared statements, synchronously. */
  private preparedTransitionOf(
    prepared: PreparedTransition,
    runId: string,
    proposed: ParsedStateInput,
    expectedStateId: string | null | undefined,
  ): { run: Run; state: State } {
    const [current] = prepared.read.all({ runId }) as (RunBookkeeping & Record<string, unknown>)[];
    const { transition, now } = this.planTransition(runId, current, proposed, expectedStateId);
    return this.writePrepared(prepared, runId, transition, now, current!, true);
  }

  /** The checks on the locked row and the rules' outcome, at the library's clock. */
  private planTransition(
    runId: string,
    current: (RunBookkeeping & Record<string, unknown>) | undefined,
    proposed: ParsedStateInput,
    expectedStateId: string | null | undefined,
  ): { transition: Transition; now: Date } {
    if (!current) throw new NotFoundError(this.entity, runId);
    if (expectedStateId !== undefined && current.stateId !== expectedStateId) {
      throw movedFirst(this.entity, runId, current.stateId, expectedStateId);
    }
    const now = new Date();
    const transition = applyTransition(current, proposed, {
      kind: this.kind,
      now,
      ...this.transitionContext(current, now),
    });
    return { transition, now };
  }

  /** Appends the state and updates the run for a computed transition, through Drizzle's query builder. */
  private async writeTransition(
    q: Executor,
    runId: string,
    transition: Transition,
    now: Date,
  ): Promise<{ run: Run; state: State }> {
    const stateValues = this.stateValues(transition, runId, now);
    const [stateRow] = await q
      .insert(this.stateTable)
      .values(stateValues as never)
      .returning();
    const [row] = await q
      .update(this.table)
      .set(runValues(transition.run, stateRow!.id, now) as never)
      .where(eq(this.table.id, runId))
      .returning();
    return { run: this.toRun(row as unknown as Row, now), state: toState(stateRow as StateRow) };
  }

  /** The state row's values for a computed transition (its id comes when it is written). */
  private stateValues(transition: Transition, runId: string, now: Date): Record<string, unknown> {
    const runColumn = this.kind === 'flow' ? 'flowRunId' : 'taskRunId';
    return { ...transition.state, [runColumn]: runId, created: now, updated: now };
  }

  /** `writeTransition` on the prepared statements, synchronously (see `writePrepared`). */
  private writePrepared(
    prepared: PreparedTransition,
    runId: string,
    transition: Transition,
    now: Date,
    current: Record<string, unknown>,
    whole: boolean,
  ): { run: Run; state: State } {
    const written = writePrepared(prepared, this.kind, runId, transition, now, current, whole);
    return { run: this.toRun(written.row as Row, now), state: written.state };
  }
}
