/**
 * Concurrency limits, priorities and list limits: their documented bounds (docs/repositories.md,
 * "Numeric bounds"), and one issue with one sentence per field whatever is wrong (zod alone gave
 * `1e300` two issues in its own wording: "expected int to be <=9007199254740991; … <=1000000").
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const POOL = 'must be a whole number from 0 to 1,000,000 (null means no limit)';
const DEPLOYMENT =
  'must be a whole number from 1 to 1,000,000 (null means no limit; pause the deployment to stop its runs)';
const LIST = 'must be a whole number from 0 to 1,000,000,000';

async function issues(call: Promise<unknown>): Promise<{ path: unknown[]; message: string }[]> {
  const error = await call.then(
    () => expect.unreachable('should be refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues as { path: unknown[]; message: string }[];
}

describe.each(DIALECTS)('numeric bounds (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let queueId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
    queueId = (await db.workPools.create({ name: 'p' })).defaultQueueId!;
  });
  afterAll(async () => {
    await db.close();
  });

  it.each([1e300, 1_000_001, -1, 1.5, Number.NaN, '3'])(
    'refuses concurrencyLimit %s with one sentence',
    async (v) => {
      const bad = v as number;
      expect(await issues(db.workPools.create({ name: 'q', concurrencyLimit: bad }))).toEqual([
        { path: ['concurrencyLimit'], message: POOL },
      ]);
      expect(await issues(db.workQueues.update(queueId, { concurrencyLimit: bad }))).toEqual([
        { path: ['concurrencyLimit'], message: POOL },
      ]);
      expect(await issues(db.deployments.upsert({ flowId, name: 'd', concurrencyLimit: bad }))).toEqual([
        { path: ['concurrencyLimit'], message: DEPLOYMENT },
      ]);
      expect(await issues(db.flows.list({ limit: v === 1_000_001 ? 1e9 + 1 : bad }))).toEqual([
        { path: ['limit'], message: LIST },
      ]);
    },
  );

  it.each([1e300, 10_001, -1, 0.5])('refuses a claim limit of %s with one sentence', async (n) => {
    const message = 'must be a whole number from 0 to 10,000';
    expect(await issues(db.workQueues.claimScheduledRuns({ workPoolName: 'p', limit: n }))).toEqual([
      { path: ['limit'], message },
    ]);
    expect(await issues(db.workQueues.getScheduledRuns({ workPoolName: 'p', limit: n }))).toEqual([
      { path: ['limit'], message },
    ]);
  });

  it('accepts the bounds themselves', async () => {
    expect((await db.workPools.create({ name: 'max', concurrencyLimit: 1_000_000 })).concurrencyLimit).toBe(
      1_000_000,
    );
    expect((await db.workQueues.update(queueId, { concurrencyLimit: 0 })).concurrencyLimit).toBe(0);
    const d = await db.deployments.upsert({ flowId, name: 'd', concurrencyLimit: 1_000_000 });
    expect(d.concurrencyLimit).toBe(1_000_000);
    expect(await issues(db.deployments.update(d.id, { concurrencyLimit: 0 }))).toHaveLength(1);
    expect(await db.flows.list({ limit: 1e9 })).toHaveLength(1);
  });

  it('any number is either a whole number in bounds (accepted) or one issue (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.double(), fc.integer({ min: -2, max: 1_000_002 }), fc.constantFrom(1e6, 1e6 + 1, 0, -0)),
        async (n) => {
          const call = db.workQueues.update(queueId, { concurrencyLimit: n });
          if (Number.isInteger(n) && n >= 0 && n <= 1_000_000)
            expect((await call).concurrencyLimit).toBe(n + 0); // -0 is stored as 0
          else expect(await issues(call)).toEqual([{ path: ['concurrencyLimit'], message: POOL }]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
