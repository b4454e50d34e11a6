/** Proposed states at their limits, and what the stored state must look like. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { STATE_TYPES, type State, type StateDetailsInput, type StateType } from '../../../src/index.js';
import { expectJson } from './harness.js';
import { longestName, prng, textOfChars } from './text.js';
import { type TimeCase, jsonDoc, jsonObjectDoc, validTime } from './values.js';

/** The state name's cap: it lands in run.state_name and the history's name (docs "Input limits"). */
export const STATE_NAME_BYTES = 2600;
const TIME_KEYS = ['scheduledTime', 'pauseTimeout', 'cacheExpiration'] as const;

export interface StateCase {
  input: {
    type: StateType;
    name: string;
    timestamp?: Date | string;
    message?: string | null;
    stateDetails: StateDetailsInput;
    data?: unknown;
  };
  timestampMs?: number;
  times: Partial<Record<(typeof TIME_KEYS)[number], TimeCase | null>>;
}

/** Free text well past a name's length, in every width. */
export const longText = fc
  .tuple(fc.integer(), fc.integer({ min: 0, max: 3000 }))
  .map(([seed, n]) => textOfChars(prng(seed), n, 'mixed'));

const timeOrNull = fc.option(fc.option(validTime, { nil: null }), { nil: undefined });

export const validState: fc.Arbitrary<StateCase> = fc
  .record({
    type: fc.constantFrom(...STATE_TYPES),
    name: longestName(STATE_NAME_BYTES),
    ts: fc.option(validTime, { nil: undefined }),
    message: fc.option(longText, { nil: undefined }),
    details: jsonObjectDoc,
    scheduledTime: timeOrNull,
    pauseTimeout: timeOrNull,
    cacheExpiration: timeOrNull,
    data: fc.option(jsonDoc, { nil: undefined }),
  })
  .map((r) => {
    const stateDetails = { ...r.details } as StateDetailsInput;
    const times: StateCase['times'] = {};
    for (const key of TIME_KEYS) {
      const t = r[key];
      if (t === undefined) continue;
      stateDetails[key] = t === null ? null : t.input;
      times[key] = t;
    }
    const input: StateCase['input'] = { type: r.type, name: r.name, stateDetails };
    if (r.ts) input.timestamp = r.ts.input;
    if (r.message !== undefined) input.message = r.message;
    if (r.data !== undefined) input.data = r.data;
    return { input, timestampMs: r.ts?.ms, times };
  });

/** Checks a stored state against the case (rule 8 adds the run ids to the details). */
export function expectState(
  state: State,
  c: StateCase,
  ids: { flowRunId?: string | null; taskRunId?: string },
): void {
  expect(state.type).toBe(c.input.type);
  expect(state.name).toBe(c.input.name);
  if (c.timestampMs !== undefined) expect(state.timestamp.getTime()).toBe(c.timestampMs);
  expect(state.message).toBe(c.input.message ?? null);
  const details = JSON.parse(JSON.stringify(c.input.stateDetails));
  for (const key of TIME_KEYS) {
    const t = c.times[key];
    if (t) details[key] = new Date(t.ms).toISOString();
  }
  if (c.input.type === 'SCHEDULED' && !c.times.scheduledTime) {
    details.scheduledTime = state.timestamp.toISOString();
  }
  if (ids.flowRunId) details.flowRunId = ids.flowRunId;
  if (ids.taskRunId) details.taskRunId = ids.taskRunId;
  // stateDetails is JSON the library interprets, kept in jsonb on PostgreSQL (docs/decisions.md):
  // its values must match, its key order means nothing. `data` is a user document: exact.
  expect(state.stateDetails).toEqual(details);
  if (c.input.data === undefined) expect(state.data).toBeNull();
  else expectJson(state.data, c.input.data);
}
