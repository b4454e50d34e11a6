import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const NOW = new Date('2030-01-01T00:00:30Z');

// Issue 11, section 4: the scheduler loop service (semantics.md §5, "Loop services").
describe.each(DIALECTS)('deployments.scheduleDue (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'f' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  const deploy = (name: string, schedules: object[], extra: object = {}) =>
    db.deployments.upsert({ flowId, name, schedules, ...extra } as Parameters<
      Database['deployments']['upsert']
    >[0]);
  const times = async (deploymentId: string) =>
    (
      await db.flowRuns.list({
        where: { deploymentId: { any: [deploymentId] } },
        sort: 'NEXT_SCHEDULED_START_TIME_ASC',
      })
    ).map((r) => r.nextScheduledStartTime!.toISOString());

  it('schedules each due deployment until both minimums hold, within the maximums (Prefect defaults)', async () => {
    const hourly = await deploy('hourly', [{ schedule: { interval: 3600 } }]);
    const minutely = await deploy('minutely', [{ schedule: { interval: 60 } }]);
    const paused = await deploy('paused', [{ schedule: { interval: 60 } }], { paused: true });
    const inactive = await deploy('inactive', [{ schedule: { interval: 60 }, active: false }]);
    const none = await deploy('none', []);
    const created = await db.deployments.scheduleDue({ now: NOW });
    expect(await times(hourly.id)).toEqual([
      '2030-01-01T01:00:00.000Z',
      '2030-01-01T02:00:00.000Z',
      '2030-01-01T03:00:00.000Z',
    ]);
    const minute = await times(minutely.id);
    expect(minute).toHaveLength(61);
    expect(minute.at(-1)).toBe('2030-01-01T01:01:00.000Z');
    for (const d of [paused, inactive, none]) expect(await times(d.id)).toEqual([]);
    expect(created).toHaveLength(64);
    expect(created.every((r) => r.autoScheduled && r.stateType === 'SCHEDULED')).toBe(true);
    expect(Math.abs(created[0]!.created.getTime() - Date.now())).toBeLessThan(60_000);
    // Nothing is due any more.
    expect(await db.deployments.scheduleDue({ now: NOW })).toEqual([]);
  });

  it('honours maxRuns, maxTime and minTime, in batches of any size', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await deploy(`d${i}`, [{ schedule: { interval: 60 } }])).id);
    const created = await db.deployments.scheduleDue({ now: NOW, maxRuns: 10, batchSize: 2 });
    expect(created).toHaveLength(50);
    for (const id of ids) expect(await times(id)).toHaveLength(10);
    // minTime '2h': none reaches 2h ahead, so all are due again; maxTime '30m' caps the window.
    const more = await db.deployments.scheduleDue({ now: NOW, minTime: '2h', maxTime: '30m', batchSize: 3 });
    expect(more).toHaveLength(5 * 20);
    for (const id of ids) expect((await times(id)).at(-1)).toBe('2030-01-01T00:30:00.000Z');
  });

  it('takes a numeric minTime / maxTime as milliseconds, the same as the equal string (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 48 }),
        async (minH, maxH) => {
          const both = [] as string[][];
          for (const [minTime, maxTime] of [
            [minH * 3_600_000, maxH * 3_600_000],
            [`${minH}h`, `${maxH * 3600}s`],
          ] as const) {
            await db.close();
            db = await createTestDatabase({ dialect });
            flowId = (await db.flows.create({ name: 'f' })).id;
            const d = await deploy('hourly', [{ schedule: { interval: 3600 } }]);
            await db.deployments.scheduleDue({ now: NOW, minRuns: 1, minTime, maxTime });
            both.push(await times(d.id));
          }
          // Hourly from 00:00:30 (runs on the hour): up to the first run at or past now + minTime
          // (minH + 1 runs), never past now + maxTime (maxH runs). Seconds would give 1 run at most.
          const expected = Math.min(minH + 1, maxH);
          expect(both[0]).toHaveLength(expected);
          expect(both[1]).toEqual(both[0]);
        },
      ),
      { numRuns: dialect === 'sqlite' ? 15 : 5 },
    );
  });

  it('a deployment with too few future runs is due again; a late window does not count', async () => {
    const d = await deploy('d', [{ schedule: { interval: 3600 } }]);
    await db.deployments.scheduleDue({ now: NOW });
    const later = new Date(NOW.getTime() + 2 * 3_600_000);
    // Two hours on, one of the three runs is still ahead: the deployment is due again.
    const created = await db.deployments.scheduleDue({ now: later });
    expect(created.map((r) => r.nextScheduledStartTime!.toISOString())).toEqual([
      '2030-01-01T04:00:00.000Z',
      '2030-01-01T05:00:00.000Z',
    ]);
    expect(await times(d.id)).toHaveLength(5);
  });

  it('scheduleDue and createFlowRun join a caller’s transaction and roll back with it', async () => {
    const d = await deploy('d', [{ schedule: { interval: 3600 } }]);
    await expect(
      db.transaction(async (tx) => {
        expect(await tx.deployments.scheduleDue({ now: NOW })).toHaveLength(3);
        await tx.deployments.createFlowRun(d.id);
        expect(await tx.flowRuns.count()).toBe(4);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.flowRuns.count()).toBe(0);
    expect(await db.deployments.scheduleDue({ now: NOW })).toHaveLength(3);
  });

  it('refuses bad options with a ValidationError', async () => {
    for (const options of [
      { minTime: 'soon' },
      { minRuns: 5, maxRuns: 2 },
      { batchSize: 0 },
      { maxTime: -1 },
    ]) {
      await expect(db.deployments.scheduleDue(options as never)).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('scheduleRuns: an end before the start is a ValidationError naming end (property)', async () => {
    const d = await deploy('d', [{ schedule: { interval: 60 } }]);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10 ** 9 }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        async (a, back) => {
          const start = new Date(NOW.getTime() + a);
          const end = new Date(start.getTime() - back);
          const error = await db.deployments.scheduleRuns(d.id, { start, end }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues.map((i) => i.path)).toEqual([['end']]);
          expect((error as Error).message).toMatch(/^Invalid scheduleRuns options: end: .* is before start/);
        },
      ),
      { numRuns: 20 },
    );
    // Without start, the start is now; end = start is an empty window, not an error.
    await expect(db.deployments.scheduleRuns(d.id, { end: new Date(Date.now() - 60_000) })).rejects.toThrow(
      /end: .* is before start .* \(now\)/,
    );
    expect(await db.deployments.scheduleRuns(d.id, { start: NOW, end: NOW })).toEqual([]);
    expect(await db.flowRuns.count()).toBe(0);
  });
});
