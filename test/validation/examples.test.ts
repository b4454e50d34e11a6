/**
 * The failing examples of the integrity issue (§2, validation): each now a ValidationError naming the
 * field, with nothing written, and the same on both dialects; plus the time rules' edges.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, type Json, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { dumpAll } from './support/harness.js';
import { prng, textOfBytes, textOfChars } from './support/text.js';

/** 1,024 random (so incompressible) characters of 3 bytes: 3,072 bytes of UTF-8. */
const THREE_BYTE_NAME = textOfChars(prng(3), 1024, 3);

async function refusal(call: () => Promise<unknown>): Promise<ValidationError> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ValidationError))
    throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error;
}

describe.each(DIALECTS)('input limits: the examples of the issue (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let runId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'etl' })).id;
    runId = (await db.flowRuns.create({ flowId })).id;
    await db.workPools.create({ name: 'pool' });
  });
  afterEach(async () => {
    await db.close();
  });

  it('a 1,024-character name of 3-byte characters is refused for every indexed text, naming the bytes', async () => {
    expect(Buffer.byteLength(THREE_BYTE_NAME)).toBe(3072);
    const before = await dumpAll(db);
    const cases: [() => Promise<unknown>, string][] = [
      [() => db.flows.create({ name: THREE_BYTE_NAME }), 'name: at most 2600 bytes of UTF-8 (got 3072)'],
      [
        () => db.flowRuns.create({ flowId, name: THREE_BYTE_NAME }),
        'name: at most 2600 bytes of UTF-8 (got 3072)',
      ],
      [
        () => db.flowRuns.create({ flowId, idempotencyKey: THREE_BYTE_NAME }),
        'idempotencyKey: at most 2600 bytes of UTF-8 (got 3072)',
      ],
      [() => db.workPools.create({ name: THREE_BYTE_NAME }), 'name: at most 2600 bytes of UTF-8 (got 3072)'],
      [
        () => db.taskRuns.create({ flowRunId: runId, taskKey: THREE_BYTE_NAME, dynamicKey: '0' }),
        'taskKey: at most 1300 bytes of UTF-8 (got 3072)',
      ],
      [
        () => db.workQueues.create({ workPoolName: 'pool', name: THREE_BYTE_NAME }),
        'name: at most 2600 bytes of UTF-8 (got 3072)',
      ],
      [
        () => db.flowRuns.setState(runId, { type: 'RUNNING', name: THREE_BYTE_NAME }),
        'name: at most 2600 bytes of UTF-8 (got 3072)',
      ],
    ];
    for (const [call, message] of cases) expect((await refusal(call)).message).toContain(message);
    expect(await dumpAll(db)).toBe(before);
  });

  it('names exactly at the byte cap are stored and read back', async () => {
    const atCap = textOfBytes(prng(4), 2600, 1024, 3);
    const flow = await db.flows.create({ name: atCap });
    expect((await db.flows.getByName(atCap))?.id).toBe(flow.id);
    const key = textOfBytes(prng(5), 1300, 1024, 4);
    const task = await db.taskRuns.create({ flowRunId: runId, taskKey: key, dynamicKey: key });
    expect((await db.taskRuns.get(task.id))?.taskKey).toBe(key);
  });

  it('stateDetails.scheduledTime without an offset is refused, as state.timestamp is', async () => {
    const before = await dumpAll(db);
    const details = await refusal(() =>
      db.flowRuns.setState(runId, {
        type: 'SCHEDULED',
        stateDetails: { scheduledTime: '2026-12-01T02:00:00' },
      }),
    );
    expect(details.message).toContain('stateDetails.scheduledTime: must have an offset');
    const timestamp = await refusal(() =>
      db.flowRuns.setState(runId, { type: 'RUNNING', timestamp: '2026-12-01T02:00:00' }),
    );
    expect(timestamp.message).toContain('timestamp: must have an offset');
    expect(await dumpAll(db)).toBe(before);
  });

  it('times in stateDetails are stored in one ISO form', async () => {
    const { state } = await db.flowRuns.setState(runId, {
      type: 'PAUSED',
      stateDetails: {
        scheduledTime: '2026-12-01T02:00+02:00',
        pauseTimeout: new Date('2026-12-02T00:00:00Z'),
      },
    });
    const [stored] = await db.flowRuns.states(runId);
    expect(stored!.stateDetails).toMatchObject({
      scheduledTime: '2026-12-01T00:00:00.000Z',
      pauseTimeout: '2026-12-02T00:00:00.000Z',
    });
    expect(stored!.id).toBe(state.id);
  });

  it("Python's str(datetime) (a space for the T) is the instant it names, in timestamps and stateDetails", async () => {
    const { state } = await db.flowRuns.setState(runId, {
      type: 'SCHEDULED',
      timestamp: '2026-12-01 02:00:00.123456+02:00',
      stateDetails: { scheduledTime: '2026-12-01 03:00:00+00:00' },
    });
    expect(state.timestamp.toISOString()).toBe('2026-12-01T00:00:00.123Z');
    const [stored] = await db.flowRuns.states(runId);
    expect(stored!.stateDetails).toMatchObject({ scheduledTime: '2026-12-01T03:00:00.000Z' });
    const runs = await db.flowRuns.list({
      where: { expectedStartTime: { before: '2026-12-01 03:00:00z' } },
    });
    expect(runs.map((r) => r.id)).toEqual([runId]);
  });

  it('a lone surrogate is refused in names and inside JSON, values and keys alike', async () => {
    const before = await dumpAll(db);
    expect((await refusal(() => db.flows.create({ name: 'a\uD800b' }))).message).toContain(
      'name: must not contain a lone UTF-16 surrogate (U+D800 at index 1)',
    );
    expect(
      (await refusal(() => db.flowRuns.update(runId, { parameters: { x: ['\uDC00'] } }))).message,
    ).toContain('parameters.x[0]: must not contain a lone UTF-16 surrogate');
    expect((await refusal(() => db.flowRuns.update(runId, { context: { 'k\uD83D': 1 } }))).message).toContain(
      'context.k',
    );
    expect((await refusal(() => db.flows.update(flowId, { tags: ['ok', '\uDBFF'] }))).message).toContain(
      'tags[1]',
    );
    expect(await dumpAll(db)).toBe(before);
  });

  it('a Map in JSON is refused with its path instead of being stored as {}', async () => {
    const error = await refusal(() =>
      // The types refuse a Map already; a caller without them reaches the runtime check.
      db.flowRuns.update(runId, { parameters: { a: { b: [1, 2, new Map([['k', 1]]) as unknown as Json] } } }),
    );
    expect(error.message).toContain('parameters.a.b[2]: a Map is not JSON');
    expect(error.issues[0]!.path).toEqual(['parameters', 'a', 'b', 2]);
  });

  it('times at the ends of the range round-trip; one millisecond past either end is refused', async () => {
    const first = await db.flowRuns.create({
      flowId,
      state: { type: 'RUNNING', timestamp: '0100-01-01T00:00:00Z' },
    });
    expect((await db.flowRuns.get(first.id))!.startTime!.toISOString()).toBe('0100-01-01T00:00:00.000Z');
    const last = await db.flowRuns.create({
      flowId,
      state: { type: 'RUNNING', timestamp: new Date('9999-12-31T23:59:59.999Z') },
    });
    expect((await db.flowRuns.get(last.id))!.startTime!.toISOString()).toBe('9999-12-31T23:59:59.999Z');
    const before = await dumpAll(db);
    for (const timestamp of [
      '0099-12-31T23:59:59.999Z',
      new Date('0099-12-31T23:59:59.999Z'),
      new Date(Date.parse('9999-12-31T23:59:59.999Z') + 1),
      '9999-12-31T23:59:59.999-00:01',
    ]) {
      expect(
        (await refusal(() => db.flowRuns.setState(runId, { type: 'RUNNING', timestamp }))).message,
      ).toContain('timestamp: must be between 0100-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z');
    }
    // Rule 0 would move a later state past the range: refused rather than stored out of range.
    await refusal(() =>
      db.flowRuns.setState(last.id, { type: 'COMPLETED', timestamp: '2026-01-01T00:00:00Z' }),
    );
    expect(await dumpAll(db)).toBe(before);
  });

  it("a schedule's anchorDate without an offset is wall-clock time in its timezone", async () => {
    const deployment = await db.deployments.upsert({ flowId, name: 'daily' });
    const [winter, gap, twice, utc] = await db.deployments.schedules.create(deployment.id, [
      { schedule: { interval: 86_400, anchorDate: '2026-01-15T09:00:00', timezone: 'Europe/Berlin' } },
      { schedule: { interval: 86_400, anchorDate: '2026-03-29T02:30:00', timezone: 'Europe/Berlin' } },
      { schedule: { interval: 86_400, anchorDate: '2026-10-25T02:30:00', timezone: 'Europe/Berlin' } },
      { schedule: { interval: 3600, anchorDate: '2026-01-15T09:00:00' } },
    ]);
    const anchor = (s: typeof winter) => (s!.schedule as { anchorDate: string }).anchorDate;
    expect(anchor(winter)).toBe('2026-01-15T08:00:00.000Z');
    expect(anchor(gap)).toBe('2026-03-29T01:30:00.000Z'); // 02:30 does not exist: 03:30 CEST
    expect(anchor(twice)).toBe('2026-10-25T00:30:00.000Z'); // 02:30 happens twice: the first, CEST
    expect(anchor(utc)).toBe('2026-01-15T09:00:00.000Z'); // no timezone: UTC
    await db.deployments.schedules.delete(deployment.id, gap!.id);
    await db.deployments.schedules.delete(deployment.id, twice!.id);
    await db.deployments.schedules.delete(deployment.id, utc!.id);
    const runs = await db.deployments.scheduleRuns(deployment.id, {
      start: '2026-03-27T00:00:00Z',
      end: '2026-03-31T00:00:00Z',
    });
    // 09:00 in Berlin every day, across the change to summer time.
    expect(runs.map((r) => r.expectedStartTime!.toISOString())).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    const error = await refusal(() =>
      db.deployments.schedules.create(deployment.id, [
        { schedule: { interval: 60, anchorDate: '2026-13-01T00:00:00' } },
      ]),
    );
    expect(error.message).toContain(
      'Invalid schedules: [0].schedule.anchorDate: names month 13, which does not exist (months are 01 to 12)',
    );
  });
});
