import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, FlowRun } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds));

describe.each(DIALECTS)('state bookkeeping (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'etl' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  const newRun = () => db.flowRuns.create({ flowId });
  const move = async (run: FlowRun, type: string, seconds?: number, extra: object = {}) =>
    (
      await db.flowRuns.setState(run.id, {
        type: type as never,
        timestamp: seconds === undefined ? undefined : at(seconds),
        ...extra,
      })
    ).run;

  it('accumulates run time across RUNNING → PAUSED → RUNNING → COMPLETED and sets start_time once', async () => {
    let run = await newRun();
    run = await move(run, 'PENDING', 0);
    run = await move(run, 'RUNNING', 10);
    expect(run.startTime).toEqual(at(10));
    expect(run.runCount).toBe(1);
    run = await move(run, 'PAUSED', 25);
    expect(run.totalRunTime).toBe(15);
    run = await move(run, 'RUNNING', 40);
    expect(run.startTime).toEqual(at(10));
    expect(run.runCount).toBe(2);
    run = await move(run, 'COMPLETED', 45);
    expect(run.totalRunTime).toBe(20);
    expect(run.endTime).toEqual(at(45));
    expect(run.estimatedRunTime).toBe(20);
    expect(run).toMatchObject({ stateType: 'COMPLETED', stateName: 'Completed', stateTimestamp: at(45) });
  });

  it('gives a run that fails from PENDING both a start and an end time', async () => {
    let run = await newRun();
    run = await move(run, 'PENDING', 0);
    run = await move(run, 'FAILED', 3);
    expect(run.startTime).toEqual(at(3));
    expect(run.endTime).toEqual(at(3));
    expect(run.totalRunTime).toBe(0);
    expect(run.runCount).toBe(0);
  });

  it('clears end_time on a rerun (a non-terminal state after a terminal one)', async () => {
    let run = await newRun();
    run = await move(run, 'RUNNING', 0);
    run = await move(run, 'COMPLETED', 5);
    expect(run.endTime).toEqual(at(5));
    run = await move(run, 'SCHEDULED', 6);
    expect(run.endTime).toBeNull();
    run = await move(run, 'RUNNING', 7);
    run = await move(run, 'FAILED', 9);
    expect(run.endTime).toEqual(at(9));
    expect(run.startTime).toEqual(at(0));
    expect(run.runCount).toBe(2);
    expect(run.totalRunTime).toBe(7);
  });

  it('moves next_scheduled_start_time on SCHEDULED → SCHEDULED and clears it when leaving SCHEDULED', async () => {
    let run = await newRun();
    run = await move(run, 'SCHEDULED', 0, { stateDetails: { scheduledTime: at(100).toISOString() } });
    expect(run.nextScheduledStartTime).toEqual(at(100));
    expect(run.expectedStartTime).toEqual(at(100));
    run = await move(run, 'SCHEDULED', 1, { stateDetails: { scheduledTime: at(200).toISOString() } });
    expect(run.nextScheduledStartTime).toEqual(at(200));
    expect(run.expectedStartTime).toEqual(at(100));
    run = await move(run, 'PENDING', 2);
    expect(run.nextScheduledStartTime).toBeNull();
  });

  it('gives a SCHEDULED state without scheduledTime its own timestamp as scheduled time', async () => {
    const run = await newRun();
    const { state, run: after } = await db.flowRuns.setState(run.id, { type: 'SCHEDULED', timestamp: at(7) });
    expect(state.stateDetails.scheduledTime).toBe(at(7).toISOString());
    expect(after.nextScheduledStartTime).toEqual(at(7));
  });

  it('keeps two states with the same timestamp unique and ordered', async () => {
    const run = await newRun();
    await move(run, 'PENDING', 5);
    await move(run, 'RUNNING', 5);
    await move(run, 'COMPLETED', 4);
    const history = await db.flowRuns.states(run.id);
    expect(history.map((s) => [s.type, s.timestamp.getTime() - at(5).getTime()])).toEqual([
      ['PENDING', 0],
      ['RUNNING', 1],
      ['COMPLETED', 2],
    ]);
  });

  it('sets expected_start_time from the first state and records the run in stateDetails', async () => {
    const run = await newRun();
    const { run: after, state } = await db.flowRuns.setState(run.id, { type: 'PENDING', timestamp: at(3) });
    expect(after.expectedStartTime).toEqual(at(3));
    expect(state.stateDetails.flowRunId).toBe(run.id);
    expect(after.stateId).toBe(state.id);
  });

  it('does not count a resumed run again, and clears resuming on RUNNING', async () => {
    let run = await newRun();
    run = await move(run, 'RUNNING', 0);
    run = await move(run, 'PAUSED', 1);
    run = await db.flowRuns.update(run.id, { empiricalPolicy: { resuming: true } });
    run = await move(run, 'RUNNING', 2);
    expect(run.runCount).toBe(1);
    expect(run.empiricalPolicy.resuming).toBe(false);
  });

  // PostgreSQL applies rule 7 in SQL (one statement): `resuming` counts only when it is true, and
  // any truthy value is cleared, as in JavaScript; a falsy one stays as it was. The API refuses a
  // non-boolean `resuming` since empiricalPolicy is validated, so these are written by hand (as an
  // older version or another writer may have left them).
  it.each([
    { resuming: 'yes', runCount: 2, after: false },
    { resuming: 1, runCount: 2, after: false },
    { resuming: [], runCount: 2, after: false },
    { resuming: 0, runCount: 2, after: 0 },
    { resuming: '', runCount: 2, after: '' },
    { resuming: null, runCount: 2, after: null },
  ])('counts a run whose resuming is $resuming and leaves resuming $after', async (c) => {
    let run = await newRun();
    run = await move(run, 'RUNNING', 0);
    run = await move(run, 'PAUSED', 1);
    const policy = JSON.stringify({ retries: 2, resuming: c.resuming });
    await db.execute(
      db.dialect === 'postgresql'
        ? sql`update flow_run set empirical_policy = ${policy}::jsonb where id = ${run.id}`
        : sql`update flow_run set empirical_policy = ${policy} where id = ${run.id}`,
    );
    run = (await db.flowRuns.get(run.id))!;
    run = await move(run, 'RUNNING', 2);
    expect(run.runCount).toBe(c.runCount);
    expect(run.empiricalPolicy).toEqual({ retries: 2, resuming: c.after });
  });

  it('records the parent flow run count on task runs entering RUNNING', async () => {
    let run = await newRun();
    run = await move(run, 'RUNNING', 0);
    run = await move(run, 'FAILED', 1);
    run = await move(run, 'RUNNING', 2);
    const task = await db.taskRuns.create({ flowRunId: run.id, taskKey: 'extract', dynamicKey: '0' });
    const { run: moved, state } = await db.taskRuns.setState(task.id, { type: 'RUNNING', timestamp: at(3) });
    expect(moved.flowRunRunCount).toBe(2);
    expect(moved.runCount).toBe(1);
    expect(state.stateDetails).toMatchObject({ flowRunId: run.id, taskRunId: task.id });
  });

  it('derives estimatedRunTime while running and estimatedStartTimeDelta when late or overdue', async () => {
    const now = Date.now();
    let run = await newRun();
    run = await move(run, 'SCHEDULED', undefined, {
      stateDetails: { scheduledTime: new Date(now - 60_000).toISOString() },
    });
    expect(run.estimatedStartTimeDelta).toBeGreaterThanOrEqual(60);
    run = await move(run, 'RUNNING');
    expect(run.startTime!.getTime() - run.expectedStartTime!.getTime()).toBeGreaterThanOrEqual(60_000);
    expect(run.estimatedStartTimeDelta).toBeCloseTo(
      (run.startTime!.getTime() - run.expectedStartTime!.getTime()) / 1000,
      3,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const read = await db.flowRuns.get(run.id);
    expect(read!.estimatedRunTime).toBeGreaterThanOrEqual(0.03);
  });

  it('applies an initial state given to create, with the bookkeeping', async () => {
    const run = await db.flowRuns.create({ flowId, state: { type: 'RUNNING', timestamp: at(1) } });
    expect(run).toMatchObject({
      stateType: 'RUNNING',
      startTime: at(1),
      runCount: 1,
      expectedStartTime: at(1),
    });
    expect(await db.flowRuns.states(run.id)).toHaveLength(1);
  });
});
