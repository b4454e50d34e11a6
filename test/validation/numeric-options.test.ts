/**
 * The numeric options that were still raw zod ints (worker heartbeat interval, schedule and
 * scheduler counts, batch sizes, global limit counts) refuse any wrong number with one issue and the
 * project's one sentence, `must be a whole number from A to B` (docs/repositories.md, "Numeric
 * bounds"): zod said "expected int, received number" or "Too small: expected number to be >=1".
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

interface Field {
  name: string;
  min: number;
  max: number;
  note?: string;
  path: (string | number)[];
  call: (db: Database, ids: { deploymentId: string }, v: number) => Promise<unknown>;
}

const FIELDS: Field[] = [
  {
    name: 'workers.heartbeat heartbeatIntervalSeconds',
    min: 1,
    max: 86_400,
    note: ' (seconds)',
    path: ['heartbeatIntervalSeconds'],
    call: (db, _, v) => db.workers.heartbeat({ workPoolName: 'p', name: 'w', heartbeatIntervalSeconds: v }),
  },
  {
    name: 'schedule maxScheduledRuns',
    min: 1,
    max: 10_000,
    note: ' (null: no cap of its own)',
    path: [0, 'maxScheduledRuns'],
    call: (db, ids, v) =>
      db.deployments.schedules.create(ids.deploymentId, [
        { schedule: { interval: 60 }, maxScheduledRuns: v },
      ]),
  },
  {
    name: 'scheduleRuns max',
    min: 0,
    max: 10_000,
    path: ['max'],
    call: (db, ids, v) => db.deployments.scheduleRuns(ids.deploymentId, { max: v }),
  },
  ...(['minRuns', 'maxRuns', 'batchSize'] as const).map(
    (key): Field => ({
      name: `scheduleDue ${key}`,
      min: key === 'minRuns' ? 0 : 1,
      max: key === 'batchSize' ? 1000 : 10_000,
      path: [key],
      call: (db, _, v) => db.deployments.scheduleDue({ [key]: v }),
    }),
  ),
  {
    name: 'markLate batchSize',
    min: 1,
    max: 10_000,
    path: ['batchSize'],
    call: (db, _, v) => db.flowRuns.markLate({ batchSize: v }),
  },
  {
    name: 'refreshStatus batchSize',
    min: 1,
    max: 10_000,
    path: ['batchSize'],
    call: (db, _, v) => db.workPools.refreshStatus({ batchSize: v }),
  },
  {
    name: 'logs.stream batchSize',
    min: 1,
    max: 10_000,
    path: ['batchSize'],
    call: async (db, _, v) => {
      for await (const _log of db.logs.stream({}, { batchSize: v })) break;
    },
  },
  {
    name: 'globalConcurrencyLimits limit',
    min: 0,
    max: 1_000_000_000,
    path: ['limit'],
    call: (db, _, v) => db.globalConcurrencyLimits.create({ name: 'g', limit: v }),
  },
];

const sentence = (f: Field) =>
  `must be a whole number from ${f.min.toLocaleString('en-US')} to ${f.max.toLocaleString('en-US')}${f.note ?? ''}`;

describe.each(DIALECTS)('numeric options (%s)', (dialect) => {
  let db: Database;
  let deploymentId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const flow = await db.flows.create({ name: 'f' });
    await db.workPools.create({ name: 'p' });
    deploymentId = (await db.deployments.upsert({ flowId: flow.id, name: 'd' })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  it('the trial cases: 1.5 seconds, 0 runs, a batch of 0', async () => {
    for (const [f, v] of [
      [FIELDS[0]!, 1.5],
      [FIELDS[1]!, 0],
      [FIELDS[5]!, 0],
    ] as const) {
      const error = await f.call(db, { deploymentId }, v).catch((e: unknown) => e);
      expect(error, f.name).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: f.path, message: sentence(f) }]);
      expect((error as Error).message).toContain(sentence(f));
    }
  });

  it('any number that is not a whole number in bounds is one issue with one sentence (property)', async () => {
    const field = fc.constantFrom(...FIELDS);
    const wrong = (f: Field) =>
      fc.oneof(
        fc.double({ noInteger: true }),
        fc.integer({ min: f.max + 1, max: f.max + 1000 }),
        fc.integer({ min: f.min - 1000, max: f.min - 1 }),
        fc.constantFrom(1e300, -1e300, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number),
      );
    await fc.assert(
      fc.asyncProperty(
        field.chain((f) => fc.tuple(fc.constant(f), wrong(f))),
        async ([f, v]) => {
          const error = await f.call(db, { deploymentId }, v).catch((e: unknown) => e);
          expect(error, `${f.name} ${v}`).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues).toEqual([{ path: f.path, message: sentence(f) }]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
