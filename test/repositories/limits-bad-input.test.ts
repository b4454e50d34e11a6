import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  type Database,
  NotFoundError,
  type OrionDbError,
  ValidationError,
} from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const NUL = 'bad\0name';
const MISSING = '0190a1b2-c3d4-7e5f-8a9b-000000000000';
/** 651 characters, 2,604 bytes: over the 2,600-byte cap of a limit name, within 1,024 characters. */
const LONG = '😀'.repeat(651);
/** 2,597 bytes: one over a tag's cap (2,600 − 'tag:'), which `tag:` + it would make 2,601. */
const TAG_TOO_LONG = `${'😀'.repeat(649)}x`;
type ErrorClass = new (...args: never[]) => OrionDbError;

describe.each(DIALECTS)('limits refuse bad input with a typed error and nothing written (%s)', (dialect) => {
  let db: Database;
  let limitId: string;
  let tagLimitId: string;
  let leaseId: string;
  let expiredLeaseId: string;
  let taskRunId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    limitId = (await db.globalConcurrencyLimits.create({ name: 'cap', limit: 2 })).id;
    await db.globalConcurrencyLimits.create({ name: 'plain', limit: 3 });
    tagLimitId = (await db.concurrencyLimits.create({ tag: 'db', limit: 1 })).id;
    leaseId = (
      (await db.globalConcurrencyLimits.acquire({ names: ['cap'], slots: 1, leaseSeconds: 60 })) as {
        leaseId: string;
      }
    ).leaseId;
    expiredLeaseId = (
      (await db.globalConcurrencyLimits.acquire({ names: ['plain'], slots: 1, leaseSeconds: 60 })) as {
        leaseId: string;
      }
    ).leaseId;
    const past = dialect === 'sqlite' ? String(Date.now() - 60_000) : `now() - interval '1 minute'`;
    await db.execute(`update concurrency_lease set expires_at = ${past} where id = '${expiredLeaseId}'`);
    const flow = await db.flows.create({ name: 'f' });
    const run = await db.flowRuns.create({ flowId: flow.id });
    taskRunId = (await db.taskRuns.create({ flowRunId: run.id, taskKey: 'k', dynamicKey: '0' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  const snapshot = async () => ({
    limits: (await db.execute('select * from concurrency_limit_v2 order by id')).map((r) =>
      JSON.stringify(r),
    ),
    leases: (await db.execute('select * from concurrency_lease order by id')).map((r) => JSON.stringify(r)),
  });

  const g = () => db.globalConcurrencyLimits;
  const t = () => db.concurrencyLimits;
  const cases: [string, () => Promise<unknown>, ErrorClass][] = [
    ['create without a limit', () => g().create({ name: 'x' } as never), ValidationError],
    ['create with a negative limit', () => g().create({ name: 'x', limit: -1 }), ValidationError],
    ['create with a fractional limit', () => g().create({ name: 'x', limit: 1.5 }), ValidationError],
    [
      'create with a limit beyond the column',
      () => g().create({ name: 'x', limit: 2 ** 31 }),
      ValidationError,
    ],
    [
      'create with NaN decay',
      () => g().create({ name: 'x', limit: 1, slotDecayPerSecond: Number.NaN }),
      ValidationError,
    ],
    [
      'create with Infinity occupancy',
      () => g().create({ name: 'x', limit: 1, avgSlotOccupancySeconds: Infinity }),
      ValidationError,
    ],
    ['create with a NUL in the name', () => g().create({ name: NUL, limit: 1 }), ValidationError],
    ['create with a name over the byte cap', () => g().create({ name: LONG, limit: 1 }), ValidationError],
    ['create with a tag: name', () => g().create({ name: 'tag:db', limit: 1 }), ValidationError],
    [
      'create with an unknown field',
      () => g().create({ name: 'x', limit: 1, colour: 1 } as never),
      ValidationError,
    ],
    ['create with a taken name', () => g().create({ name: 'cap', limit: 1 }), ConflictError],
    ['get with a malformed id', () => g().get("1' or '1'='1"), ValidationError],
    ['getByName with an empty name', () => g().getByName(''), ValidationError],
    ['list with a negative limit', () => g().list({ limit: -1 }), ValidationError],
    ['count with an unknown filter', () => g().count({ where: { name: 'x' } } as never), ValidationError],
    ['update with a wrong type', () => g().update(limitId, { limit: '3' } as never), ValidationError],
    ['update to a tag: name', () => g().update(limitId, { name: 'tag:x' }), ValidationError],
    ['update to a taken name', () => g().update(limitId, { name: 'plain' }), ConflictError],
    ['update of a missing limit', () => g().update(MISSING, { limit: 3 }), NotFoundError],
    ['update of a tag limit', () => g().update(tagLimitId, { limit: 3 }), NotFoundError],
    ['delete of a missing limit', () => g().delete(MISSING), NotFoundError],
    ['delete of a tag limit', () => g().delete(tagLimitId), NotFoundError],
    ['acquire without names', () => g().acquire({ names: [], slots: 1 }), ValidationError],
    ['acquire of 0 slots', () => g().acquire({ names: ['cap'], slots: 0 }), ValidationError],
    [
      'acquire of more slots than the limit',
      () => g().acquire({ names: ['cap'], slots: 3 }),
      ValidationError,
    ],
    [
      'acquire in an unknown mode',
      () => g().acquire({ names: ['cap'], slots: 1, mode: 'fast' } as never),
      ValidationError,
    ],
    [
      'rate_limit acquire on a limit without decay',
      () => g().acquire({ names: ['cap'], slots: 1, mode: 'rate_limit' }),
      ValidationError,
    ],
    [
      'rate_limit acquire with a lease',
      // @ts-expect-error the type refuses it too
      () => g().acquire({ names: ['cap'], slots: 1, mode: 'rate_limit', leaseSeconds: 5 }),
      ValidationError,
    ],
    [
      'acquire with a negative lease',
      () => g().acquire({ names: ['cap'], slots: 1, leaseSeconds: -5 }),
      ValidationError,
    ],
    [
      'acquire with a huge lease',
      () => g().acquire({ names: ['cap'], slots: 1, leaseSeconds: 1e12 }),
      ValidationError,
    ],
    [
      'acquire with a holder without id',
      () => g().acquire({ names: ['cap'], slots: 1, holder: { type: 'w' } } as never),
      ValidationError,
    ],
    ['acquire of a tag: name', () => g().acquire({ names: ['tag:db'], slots: 1 }), ValidationError],
    ['release of NaN slots', () => g().release({ names: ['cap'], slots: Number.NaN }), ValidationError],
    [
      'release with negative occupancy',
      () => g().release({ names: ['cap'], slots: 1, occupancySeconds: -1 }),
      ValidationError,
    ],
    ['renewLease with a malformed id', () => g().renewLease('lease', 5), ValidationError],
    ['renewLease with 0 seconds', () => g().renewLease(leaseId, 0), ValidationError],
    ['renewLease of a missing lease', () => g().renewLease(MISSING, 5), NotFoundError],
    ['renewLease of an expired lease', () => g().renewLease(expiredLeaseId, 5), ConflictError],
    ['releaseLease of a missing lease', () => g().releaseLease(MISSING), NotFoundError],
    [
      'releaseLease with unknown options',
      () => g().releaseLease(leaseId, { now: 1 } as never),
      ValidationError,
    ],
    [
      'listLeases with an unknown filter',
      () => g().listLeases({ where: { slots: 1 } } as never),
      ValidationError,
    ],
    [
      'tag create with a tag over its byte cap',
      () => t().create({ tag: TAG_TOO_LONG, limit: 1 }),
      ValidationError,
    ],
    [
      // 1,021 ASCII characters: within the byte cap, but `tag:` + it would pass a name's 1,024 (a fresh user's trial).
      'tag create with a tag over its character cap',
      () => t().create({ tag: 'c'.repeat(1021), limit: 1 }),
      ValidationError,
    ],
    ['tag create with an empty tag', () => t().create({ tag: '', limit: 1 }), ValidationError],
    ['tag create with a negative limit', () => t().create({ tag: 'x', limit: -1 }), ValidationError],
    ['tag get with a malformed id', () => t().get('x'), ValidationError],
    ['tag getByTag with a NUL', () => t().getByTag(NUL), ValidationError],
    ['tag list with a fractional offset', () => t().list({ offset: 0.5 }), ValidationError],
    ['tag delete of a missing limit', () => t().delete(MISSING), NotFoundError],
    ['tag delete of a global limit', () => t().delete(limitId), NotFoundError],
    ['tag reset of an unknown tag', () => t().reset('nope'), NotFoundError],
    [
      'tag acquire with a malformed task run id',
      () => t().acquire({ taskRunId: 'x', tags: ['db'] }),
      ValidationError,
    ],
    [
      'tag acquire with a tag over its cap',
      () => t().acquire({ taskRunId, tags: [TAG_TOO_LONG] }),
      ValidationError,
    ],
    ['tag release without tags field', () => t().release({ taskRunId } as never), ValidationError],
  ];

  it('a tag of 1,020 characters makes a limit whose name is at the 1,024-character cap', async () => {
    const tag = 'c'.repeat(1020);
    await t().create({ tag, limit: 1 });
    expect((await t().getByTag(tag))!.tag).toBe(tag);
  });

  it.each(cases)('%s', async (_label, call, expected) => {
    const before = await snapshot();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, String(error)).toBeInstanceOf(expected);
    if (error instanceof ValidationError) expect(error.issues.length).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  });
});
