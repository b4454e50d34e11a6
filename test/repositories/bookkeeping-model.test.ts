/**
 * Property test: random transition sequences, every bookkeeping field compared with a small model
 * that recomputes the run from its recorded history (written independently of src/repositories/states.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, STATE_TYPES, type State, type StateType } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);
const BASE = Date.UTC(2026, 5, 1);

interface ModelRun {
  startTime: number | null;
  endTime: number | null;
  totalRunTime: number;
  runCount: number;
  expectedStartTime: number | null;
  nextScheduledStartTime: number | null;
}

/** Replays a history: what the run's columns must be after it. */
function model(history: State[]): ModelRun {
  const m: ModelRun = {
    startTime: null,
    endTime: null,
    totalRunTime: 0,
    runCount: 0,
    expectedStartTime: null,
    nextScheduledStartTime: null,
  };
  let previous: State | undefined;
  for (const state of history) {
    const t = state.timestamp.getTime();
    const scheduled = state.stateDetails.scheduledTime ? Date.parse(state.stateDetails.scheduledTime) : null;
    if (previous?.type === 'RUNNING') m.totalRunTime += (t - previous.timestamp.getTime()) / 1000;
    if (state.type === 'RUNNING') {
      m.runCount += 1;
      m.startTime ??= t;
    }
    if (TERMINAL.has(state.type)) {
      if (m.endTime === null) {
        m.endTime = t;
        m.startTime ??= t;
      }
    } else if (previous && TERMINAL.has(previous.type)) {
      m.endTime = null;
    }
    m.expectedStartTime ??= state.type === 'SCHEDULED' ? scheduled : t;
    m.nextScheduledStartTime = state.type === 'SCHEDULED' ? scheduled : null;
    previous = state;
  }
  return m;
}

const step = fc.record({
  type: fc.constantFrom(...STATE_TYPES),
  // Seconds from BASE; sometimes earlier than the previous state (rule 0), sometimes omitted (now).
  offset: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
  scheduledIn: fc.option(fc.integer({ min: -100, max: 100 }), { nil: undefined }),
});

describe.each(DIALECTS)('bookkeeping against a model (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'model' })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  it('matches the model for random transition sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const run = await db.flowRuns.create({ flowId });
        let last = run;
        for (const s of steps) {
          const timestamp = s.offset === undefined ? undefined : new Date(BASE + s.offset * 1000);
          const stateDetails =
            s.type === 'SCHEDULED' && s.scheduledIn !== undefined
              ? { scheduledTime: new Date(BASE + s.scheduledIn * 1000).toISOString() }
              : undefined;
          last = (await db.flowRuns.setState(run.id, { type: s.type as StateType, timestamp, stateDetails }))
            .run;
        }
        const history = await db.flowRuns.states(run.id);
        expect(history).toHaveLength(steps.length);
        for (let i = 1; i < history.length; i++) {
          expect(history[i]!.timestamp.getTime()).toBeGreaterThan(history[i - 1]!.timestamp.getTime());
        }
        const expected = model(history);
        const newest = history.at(-1)!;
        expect({
          startTime: last.startTime?.getTime() ?? null,
          endTime: last.endTime?.getTime() ?? null,
          totalRunTime: Math.round(last.totalRunTime * 1000),
          runCount: last.runCount,
          expectedStartTime: last.expectedStartTime?.getTime() ?? null,
          nextScheduledStartTime: last.nextScheduledStartTime?.getTime() ?? null,
        }).toEqual({ ...expected, totalRunTime: Math.round(expected.totalRunTime * 1000) });
        expect(last).toMatchObject({
          stateId: newest.id,
          stateType: newest.type,
          stateName: newest.name,
          stateTimestamp: newest.timestamp,
        });
        expect(await db.flowRuns.get(run.id)).toMatchObject({
          stateId: newest.id,
          runCount: expected.runCount,
        });
      }),
      { numRuns: 40 },
    );
  });
});
