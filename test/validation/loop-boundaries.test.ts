/**
 * Boundary properties (docs/repositories.md "Input limits") for the loop services and
 * deployments.createFlowRun (issue 11), on both dialects: valid options at their limits succeed and
 * do what they say; invalid ones are a ValidationError naming the option and write nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { type Boundary, boundaryTests, defect, expectJson, jsonDefect } from './support/harness.js';
import { longestName } from './support/text.js';
import { invalidTime, jsonObjectDoc, validTime } from './support/values.js';

const DAY = 86_400_000;
/** The longest duration the library takes: ten years (semantics.md §2). */
const MAX_DURATION = 315_360_000_000;
/** The cap of names stored beside another indexed name (flow_run name, idempotency key). */
const SOLE = 2600;
/** Durations at their limits, as milliseconds and as strings; scheduleDue's maxTime stays within 3 days. */
const duration = fc.oneof(
  fc.constantFrom(0, MAX_DURATION, '0s', '15s', '100d'),
  fc.integer({ min: 0, max: MAX_DURATION }),
);
const shortDuration = fc.oneof(fc.constantFrom(0, 3 * DAY, '3d', '1h'), fc.integer({ min: 0, max: 3 * DAY }));
const badDuration = fc.constantFrom(-1, 1.5e300, 'soon', '15 s', '-1h', Number.NaN, null);
const batchSize = fc.integer({ min: 1, max: 10_000 });
const badCount = (max: number) => fc.constantFrom(-1, 0.5, max + 1, '3', null);
const time = validTime.map((t) => t.input);

describe.each(DIALECTS)('input limits: loop services and createFlowRun (%s)', (dialect) => {
  let db: Database;
  let deploymentId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const flowId = (await db.flows.create({ name: 'loops' })).id;
    await db.workPools.create({ name: 'pool' });
    deploymentId = (
      await db.deployments.upsert({
        flowId,
        name: 'd',
        workPoolName: 'pool',
        schedules: [{ schedule: { cron: '0 2 * * *' } }],
      })
    ).id;
  });
  afterAll(async () => {
    await db.close();
  });
  const getDb = () => db;

  const due = fc
    .record({
      now: time,
      minRuns: fc.integer({ min: 0, max: 10_000 }),
      maxRuns: fc.constantFrom(1, 10_000),
      minTime: duration,
      maxTime: shortDuration,
      batchSize: fc.integer({ min: 1, max: 1000 }),
    })
    .map((o) => ({ ...o, minRuns: Math.min(o.minRuns, o.maxRuns) }));
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'deployments.scheduleDue',
      valid: due,
      roundTrip: async (o) => {
        const runs = await db.deployments.scheduleDue(o);
        const start = new Date(o.now).getTime();
        const span = typeof o.maxTime === 'number' ? o.maxTime : o.maxTime === '3d' ? 3 * DAY : 3_600_000;
        expect(runs.length).toBeLessThanOrEqual(o.maxRuns);
        for (const run of runs) {
          expect(run.autoScheduled).toBe(true);
          expect(run.nextScheduledStartTime!.getTime()).toBeGreaterThanOrEqual(start);
          expect(run.nextScheduledStartTime!.getTime()).toBeLessThan(start + span);
        }
      },
      invalid: fc.oneof(
        defect(due, ['now'], invalidTime),
        defect(due, ['minRuns'], badCount(10_000)),
        defect(due, ['maxRuns'], fc.constantFrom(0, 10_001, 2.5, '1')),
        defect(due, ['minTime'], badDuration),
        defect(due, ['maxTime'], badDuration),
        defect(due, ['batchSize'], fc.constantFrom(0, 1001, 1.5)),
        due.map((o) => ({ input: { ...o, minRuns: 2, maxRuns: 1 }, path: 'minRuns', says: /maxRuns/ })),
      ),
      call: (o) => db.deployments.scheduleDue(o),
    }),
  );

  const late = fc.record({ after: duration, now: time, batchSize }, { requiredKeys: [] });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'flowRuns.markLate',
      valid: late,
      roundTrip: async (o) => {
        expect(await db.flowRuns.markLate(o)).toBeGreaterThanOrEqual(0);
      },
      invalid: fc.oneof(
        defect(late, ['after'], badDuration),
        defect(late, ['now'], invalidTime),
        defect(late, ['batchSize'], badCount(10_000)),
      ),
      call: (o) => db.flowRuns.markLate(o),
    }),
  );

  // failExpiredPauses and refreshStatus take the same options: a window and a batch size.
  for (const method of ['flowRuns.failExpiredPauses', 'workPools.refreshStatus'] as const) {
    const options = fc.record({ now: time, batchSize }, { requiredKeys: [] });
    const call = (o: any) =>
      method === 'flowRuns.failExpiredPauses'
        ? db.flowRuns.failExpiredPauses(o)
        : db.workPools.refreshStatus(o);
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method,
        valid: options,
        roundTrip: async (o) => {
          await call(o);
        },
        invalid: fc.oneof(
          defect(options, ['now'], invalidTime),
          defect(options, ['batchSize'], badCount(10_000)),
          options.map((o) => ({ input: { ...o, every: 5 }, path: 'every' })),
        ),
        call,
      }),
    );
  }

  const adhoc = fc.record(
    {
      name: longestName(SOLE),
      parameters: jsonObjectDoc,
      jobVariables: jsonObjectDoc,
      tags: fc.array(longestName(), { maxLength: 3 }),
      idempotencyKey: longestName(SOLE),
    },
    { requiredKeys: [] },
  );
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'deployments.createFlowRun',
      valid: adhoc,
      roundTrip: async (o) => {
        const run = await db.deployments.createFlowRun(deploymentId, { ...o, enforceParameterSchema: false });
        const got = (await db.flowRuns.get(run.id))!;
        expect(got.deploymentId).toBe(deploymentId);
        if (o.idempotencyKey === undefined) {
          expectJson(got.parameters, o.parameters ?? {});
          expectJson(got.jobVariables, o.jobVariables ?? {});
          if (o.name !== undefined) expect(got.name).toBe(o.name);
        }
      },
      invalid: fc.oneof(
        defect(adhoc, ['name'], fc.constantFrom('', 5, null)),
        defect(adhoc, ['tags'], fc.constantFrom('t', [5])),
        jsonDefect(adhoc, ['parameters']),
        jsonDefect(adhoc, ['jobVariables']),
      ),
      call: (o) => db.deployments.createFlowRun(deploymentId, o),
    }),
  );
});
