/**
 * scheduleRuns writes its runs and their SCHEDULED states in multi-row text statements
 * (src/repositories/scheduled-runs/), no longer with Drizzle's builder: Drizzle's JavaScript per
 * run held the event loop for seconds on 10,000 runs (a fresh user's trial). These check that the
 * bulk writer writes exactly what the rules say, column by column, against a reference that writes
 * one run at a time with Drizzle (test/support/scheduled-runs-reference.ts), for generated
 * deployments, schedules, windows and runs already there. Same body on both dialects.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { DeploymentUpsert } from '../../src/index.js';
import { DIALECTS } from '../support/dialects.js';
import { dialectOf } from '../support/internals.js';
import { suiteDatabase } from '../support/suite-database.js';
import { readRunsAndStates, referenceScheduleRuns } from '../support/scheduled-runs-reference.js';

const BASE = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3_600_000;

const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/);
const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 12 }), fc.boolean(), fc.constant(null));
const document = fc.dictionary(word, fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxKeys: 4 });
const schedule = fc.record({
  schedule: fc.oneof(
    fc.record({
      interval: fc.constantFrom(60, 900, 3600, 86_400),
      anchorDate: fc.integer({ min: 0, max: 59 }).map((m) => new Date(BASE + m * 60_000).toISOString()),
    }),
    fc.record({ cron: fc.constantFrom('*/15 * * * *', '0 * * * *', '30 9 * * 1-5') }),
  ),
  active: fc.boolean(),
  maxScheduledRuns: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
  parameters: document,
});
const deployment = fc.record({
  parameters: document,
  jobVariables: document,
  tags: fc.uniqueArray(fc.oneof(word, fc.constant('auto-scheduled')), { maxLength: 3 }),
  labels: fc.option(fc.dictionary(word, word, { maxKeys: 3 }), { nil: null }),
  version: fc.option(word, { nil: null }),
  queue: fc.constantFrom('none', 'default', 'other'),
  schedules: fc.array(schedule, { minLength: 1, maxLength: 3 }),
});
const window = fc.record({
  startHours: fc.integer({ min: -2, max: 24 }),
  spanHours: fc.integer({ min: 0, max: 72 }),
  max: fc.integer({ min: 0, max: 30 }),
  /** Runs written by an earlier, smaller call in the same window (they must be skipped). */
  before: fc.integer({ min: 0, max: 10 }),
});

type Rows = Awaited<ReturnType<typeof readRunsAndStates>>;

/**
 * The rows with what differs between two writes by design taken out (ids, the random run name, the
 * write's clock), after checking how those relate: one state a run, the run points at it, every
 * time of the write is the one clock, and the state's details name the run.
 */
function normalised({ runs, states }: Rows) {
  const stateOf = new Map(states.map((s) => [s.flowRunId, s]));
  expect(states).toHaveLength(runs.length);
  return runs
    .map((run) => {
      const state = stateOf.get(run.id)!;
      expect(run.stateId).toBe(state.id);
      expect(run.name).toMatch(/\S/);
      for (const t of [run.stateTimestamp, state.timestamp, state.created, state.updated])
        expect(t!.getTime()).toBe(run.created.getTime());
      // The state id is set by an UPDATE after the INSERT: Drizzle's onUpdate clock moves `updated`.
      expect(run.updated.getTime()).toBeGreaterThanOrEqual(run.created.getTime());
      expect(state.stateDetails).toEqual({
        scheduledTime: run.nextScheduledStartTime!.toISOString(),
        flowRunId: run.id,
      });
      const { id, name, created, updated, stateTimestamp, stateId, ...rest } = run;
      const { id: _i, flowRunId, created: _c, updated: _u, timestamp, stateDetails, ...stateRest } = state;
      // Documents keep their key order (semantics.md §2 "User documents"): compared as text too.
      return { ...rest, parametersText: JSON.stringify(run.parameters), state: stateRest };
    })
    .sort((a, b) => (a.idempotencyKey! < b.idempotencyKey! ? -1 : 1));
}

describe.each(DIALECTS)('scheduleRuns writes what the per-run reference writes (%s)', (dialect) => {
  const db = suiteDatabase(dialect);
  let flowId: string;
  beforeAll(async () => {
    flowId = (await db().flows.create({ name: 'bulk' })).id;
    await db().workPools.create({ name: 'pool' });
    await db().workQueues.create({ workPoolName: 'pool', name: 'other' });
  });

  it('property: the same runs and states, column by column, skipping runs already there', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(deployment, window, async (d, w) => {
        const { queue, ...fields } = d;
        const dep = await db().deployments.upsert({
          flowId,
          name: `d${n++}`,
          ...fields,
          ...(queue === 'none' ? {} : { workPoolName: 'pool' }),
          ...(queue === 'other' ? { workQueueName: 'other' } : {}),
        } as DeploymentUpsert);
        const start = new Date(BASE + w.startHours * HOUR);
        const span = { start, end: new Date(start.getTime() + w.spanHours * HOUR) };
        const earlier = await db().deployments.scheduleRuns(dep.id, { ...span, max: w.before });
        const written = await db().deployments.scheduleRuns(dep.id, { ...span, max: w.max });
        const ids = written.map((r) => r.id);
        const bulk = await readRunsAndStates(dialectOf(db()), ids);
        const bulkEarlier = await readRunsAndStates(
          dialectOf(db()),
          earlier.map((r) => r.id),
        );
        expect(bulk.runs.map((r) => r.id).sort()).toEqual([...ids].sort());
        // The same write again, by the reference, with the earlier runs still there.
        const fr = dialectOf(db()).tables.flowRun;
        await dialectOf(db()).run((q) => q.delete(fr).where(eq(fr.deploymentId, dep.id)));
        const now = new Date();
        const reference = async (window: { start: Date; end: Date; max: number }) =>
          readRunsAndStates(
            dialectOf(db()),
            await referenceScheduleRuns(dialectOf(db()), dep.id, window, now),
          );
        const referenceEarlier = await reference({ ...span, max: w.before });
        expect(normalised(bulkEarlier)).toEqual(normalised(referenceEarlier));
        expect(normalised(bulk)).toEqual(normalised(await reference({ ...span, max: w.max })));
      }),
      { numRuns: dialect === 'sqlite' ? 40 : 20 },
    );
  });
});
