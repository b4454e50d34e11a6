/**
 * States and the bookkeeping rules of data-model.md, as pure functions: given a run's current
 * bookkeeping and a proposed state, what the new state row and the run's new columns are.
 * `setState` applies the result inside one transaction after locking the run.
 */
import { z } from 'zod';
import { StaleStateError, ValidationError } from '../errors.js';
import { STATE_TYPES, type StateType, TERMINAL_STATE_TYPES } from '../schema/enums.js';
import type { EmpiricalPolicy, StateDetails } from '../schema/json-types.js';
import { MAX_TIME, entityName, json, stateDetails, text, time } from './validation.js';
import type { State } from '../public/runs.js';

export const stateInput = z.strictObject({
  type: z.enum(STATE_TYPES),
  /** Stored as the run's state_name and the history row's name; these columns are indexed. */
  name: entityName(
    ['flow_run', 'state_name'],
    ['flow_run_state', 'name'],
    ['task_run_state', 'name'],
  ).optional(),
  timestamp: time.optional(),
  message: text.nullable().optional(),
  stateDetails: stateDetails.optional(),
  data: json.optional(),
});
export type StateInput = z.input<typeof stateInput>;
export type ParsedStateInput = z.output<typeof stateInput>;

const STATE_TYPE_SET = new Set<string>(STATE_TYPES);

/**
 * The commonest input, a plain `{ type }` with a known type, as `stateInput` would return it,
 * without zod's walk over the schema (a visible share of a transition's CPU, issue 13). Anything
 * else is undefined and goes to zod, which stays the one judge of bad input and its errors.
 */
export function bareStateInput(input: unknown): ParsedStateInput | undefined {
  if (typeof input !== 'object' || input === null || Object.getPrototypeOf(input) !== Object.prototype) {
    return undefined;
  }
  const keys = Object.keys(input);
  if (keys.length !== 1 || keys[0] !== 'type') return undefined;
  const type = (input as { type: unknown }).type;
  return typeof type === 'string' && STATE_TYPE_SET.has(type) ? { type: type as StateType } : undefined;
}

/** The columns of a run that the bookkeeping reads and writes. */
export interface RunBookkeeping {
  stateId: string | null;
  stateType: StateType | null;
  stateTimestamp: Date | null;
  startTime: Date | null;
  endTime: Date | null;
  totalRunTime: number;
  runCount: number;
  expectedStartTime: Date | null;
  nextScheduledStartTime: Date | null;
  empiricalPolicy: EmpiricalPolicy;
}

export interface TransitionContext {
  kind: 'flow' | 'task';
  /** The flow run the state belongs to (the task run's parent for task runs; may be null). */
  flowRunId: string | null;
  taskRunId?: string;
  /** For task runs: the parent flow run's run_count, recorded when entering RUNNING. */
  parentRunCount?: number | null;
  /** The library's clock, read after the run was locked. */
  now: Date;
}

export interface Transition {
  /** The state row to append (its id and created time come when it is written). */
  state: Omit<State, 'id' | 'created'>;
  run: RunBookkeeping & { stateName: string; flowRunRunCount?: number };
}

const TERMINAL = new Set<string>(TERMINAL_STATE_TYPES);
export const isTerminal = (type: string | null | undefined) =>
  type !== null && type !== undefined && TERMINAL.has(type);

/** "CANCELLING" → "Cancelling" */
export function defaultStateName(type: StateType): string {
  return type.charAt(0) + type.slice(1).toLowerCase();
}

function scheduledTimeOf(details: StateDetails): Date | undefined {
  // stateInput's stateDetails schema has checked and normalised it to toISOString() form.
  const raw = details.scheduledTime;
  return typeof raw === 'string' ? new Date(raw) : undefined;
}

/** Rule 0 cannot move a state past a current one at the latest accepted time. */
export function noLaterState(): ValidationError {
  return new ValidationError(
    `Invalid state: timestamp: the run's current state is at ${MAX_TIME.toISOString()}, the latest accepted time; no later state can follow it`,
    [{ path: ['timestamp'], message: 'no later state can follow one at the latest accepted time' }],
  );
}

/** A compare-and-set transition found the run in another state than the one expected. */
export function movedFirst(
  entity: 'flow run' | 'task run',
  runId: string,
  current: string | null,
  expected: string | null,
): StaleStateError {
  return new StaleStateError(
    entity,
    runId,
    `The ${entity} ${runId} moved first: its state is ${current ?? 'none'}, not ${expected ?? 'none'}`,
  );
}

/** Applies rules 0–8 of data-model.md to a run for a proposed state. Pure. */
export function applyTransition(
  initial: RunBookkeeping,
  proposed: ParsedStateInput,
  ctx: TransitionContext,
): Transition {
  // Rule 0: the history stays unique and ordered per run.
  let timestamp = proposed.timestamp ?? ctx.now;
  if (initial.stateTimestamp && timestamp.getTime() <= initial.stateTimestamp.getTime()) {
    timestamp = new Date(initial.stateTimestamp.getTime() + 1);
    // Past the accepted range (semantics.md §2) neither dialect stores the time alike.
    if (timestamp.getTime() > MAX_TIME.getTime()) throw noLaterState();
  }
  const details: StateDetails = { ...((proposed.stateDetails ?? {}) as StateDetails) };
  let scheduledTime = scheduledTimeOf(details);
  if (proposed.type === 'SCHEDULED' && scheduledTime === undefined) {
    scheduledTime = timestamp;
  }
  if (scheduledTime) details.scheduledTime = scheduledTime.toISOString();
  // Rule 8.
  if (ctx.flowRunId) details.flowRunId = ctx.flowRunId;
  if (ctx.kind === 'task' && ctx.taskRunId) details.taskRunId = ctx.taskRunId;

  // The bookkeeping columns alone: `initial` may be the whole row (SQLite's transition reads it).
  const run: Transition['run'] = {
    stateId: initial.stateId,
    stateType: initial.stateType,
    stateTimestamp: initial.stateTimestamp,
    startTime: initial.startTime,
    endTime: initial.endTime,
    totalRunTime: initial.totalRunTime,
    runCount: initial.runCount,
    expectedStartTime: initial.expectedStartTime,
    nextScheduledStartTime: initial.nextScheduledStartTime,
    empiricalPolicy: { ...initial.empiricalPolicy },
    stateName: '',
  };
  // Rule 1 (stateId is set once the state row exists).
  run.stateType = proposed.type;
  run.stateName = proposed.name ?? defaultStateName(proposed.type);
  run.stateTimestamp = timestamp;
  // Rule 2.
  if (proposed.type === 'RUNNING' && run.startTime === null) run.startTime = timestamp;
  // Rule 3.
  if (isTerminal(proposed.type) && run.endTime === null) {
    run.endTime = timestamp;
    run.startTime ??= timestamp;
  } else if (isTerminal(initial.stateType) && !isTerminal(proposed.type)) {
    run.endTime = null;
  }
  // Rule 4.
  if (initial.stateType === 'RUNNING' && initial.stateTimestamp) {
    run.totalRunTime = initial.totalRunTime + (timestamp.getTime() - initial.stateTimestamp.getTime()) / 1000;
  }
  // Rule 5.
  if (run.expectedStartTime === null) {
    run.expectedStartTime = proposed.type === 'SCHEDULED' && scheduledTime ? scheduledTime : timestamp;
  }
  // Rule 6.
  if (initial.stateType === 'SCHEDULED') run.nextScheduledStartTime = null;
  if (proposed.type === 'SCHEDULED') run.nextScheduledStartTime = scheduledTime ?? timestamp;
  // Rule 7.
  if (proposed.type === 'RUNNING') {
    const resuming = ctx.kind === 'flow' && initial.empiricalPolicy?.resuming === true;
    if (!resuming) run.runCount = initial.runCount + 1;
    if (ctx.kind === 'task') run.flowRunRunCount = ctx.parentRunCount ?? 0;
  }
  if (
    ctx.kind === 'flow' &&
    (proposed.type === 'RUNNING' || isTerminal(proposed.type)) &&
    run.empiricalPolicy.resuming
  ) {
    run.empiricalPolicy.resuming = false;
  }

  return {
    state: {
      type: proposed.type,
      name: run.stateName,
      timestamp,
      message: proposed.message ?? null,
      stateDetails: details,
      data: proposed.data ?? null,
    },
    run,
  };
}

/** Seconds: total_run_time, plus the time spent in the current RUNNING state so far. */
export function estimatedRunTime(
  run: Pick<RunBookkeeping, 'totalRunTime' | 'stateType' | 'stateTimestamp'>,
  now: Date,
): number {
  if (run.stateType === 'RUNNING' && run.stateTimestamp) {
    return run.totalRunTime + Math.max(0, now.getTime() - run.stateTimestamp.getTime()) / 1000;
  }
  return run.totalRunTime;
}

/** Seconds late: how late it started, or how overdue it is while waiting; 0 otherwise. */
export function estimatedStartTimeDelta(
  run: Pick<RunBookkeeping, 'startTime' | 'expectedStartTime' | 'stateType'>,
  now: Date,
): number {
  const expected = run.expectedStartTime;
  if (!expected) return 0;
  if (run.startTime) return Math.max(0, run.startTime.getTime() - expected.getTime()) / 1000;
  if (!isTerminal(run.stateType) && now.getTime() > expected.getTime())
    return (now.getTime() - expected.getTime()) / 1000;
  return 0;
}

// The public shape (src/public/) is the one definition.
export type { State };
