// The bookkeeping a caller writes by hand when it moves a run without the library: rules 2–7 of
// docs/repositories.md ("State bookkeeping"), for the references of the transition scenarios
// (set-state, set-state-8, task-set-state, bench/transition-cpu.mjs), so that the raw driver and
// plain Drizzle do the same work as `setState`. Times are ms since the epoch (null when unset).
// Left out, as a caller moving plain runs would: rule 7's `empiricalPolicy.resuming` (the bench's
// runs never pause), so the references read and write a little less than the library.

export const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);

/**
 * The run's columns after moving from `row` (the locked read: state_type, state_timestamp,
 * start_time, end_time, total_run_time, run_count, expected_start_time) to `type` at `ts`.
 */
export function bookkeeping(row, type, ts) {
  const wasRunning = row.state_type === 'RUNNING';
  const runTime = wasRunning && row.state_timestamp !== null ? (ts - row.state_timestamp) / 1000 : 0;
  return {
    name: type[0] + type.slice(1).toLowerCase(),
    start: type === 'RUNNING' || TERMINAL.has(type) ? (row.start_time ?? ts) : row.start_time,
    end: TERMINAL.has(type) ? (row.end_time ?? ts) : null,
    total: row.total_run_time + runTime,
    runCount: row.run_count + (type === 'RUNNING' ? 1 : 0),
    expected: row.expected_start_time ?? ts,
    next: type === 'SCHEDULED' ? ts : null,
  };
}

/** The columns of a locked read that `bookkeeping` takes, as SQL. */
export const BOOKKEEPING_COLUMNS =
  'state_type, state_timestamp, start_time, end_time, total_run_time, run_count, expected_start_time';
