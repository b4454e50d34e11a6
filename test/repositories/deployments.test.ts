import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, NotFoundError, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const HOUR = 3_600_000;

describe.each(DIALECTS)('db.deployments (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'etl' })).id;
    await db.workPools.create({ name: 'pool' });
  });
  afterEach(async () => {
    await db.close();
  });

  it('upserts by flow + name and resolves the pool and queue', async () => {
    const first = await db.deployments.upsert({ flowId, name: 'nightly', workPoolName: 'pool', tags: ['t'] });
    const queue = await db.workQueues.getByName('pool', 'default');
    expect(first).toMatchObject({
      name: 'nightly',
      workQueueId: queue!.id,
      workQueueName: 'default',
      paused: false,
      status: 'NOT_READY',
    });
    const second = await db.deployments.upsert({
      flowId,
      name: 'nightly',
      version: '2',
      parameters: { a: 1 },
    });
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ version: '2', parameters: { a: 1 }, tags: ['t'] });
    expect(await db.deployments.getByName('etl', 'nightly')).toEqual(second);
    expect(await db.deployments.get(first.id)).toEqual(second);
    await expect(db.deployments.upsert({ flowId, name: 'x', workPoolName: 'nope' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      db.deployments.upsert({ flowId: '0190a1b2-c3d4-7e5f-8a9b-000000000000', name: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists and counts with filters; pauses and resumes', async () => {
    const other = await db.flows.create({ name: 'reporting' });
    const a = await db.deployments.upsert({ flowId, name: 'alpha', tags: ['x'], workPoolName: 'pool' });
    await db.deployments.upsert({ flowId: other.id, name: 'beta' });
    const names = async (where: object) => (await db.deployments.list({ where })).map((d) => d.name);
    expect(await names({})).toEqual(['alpha', 'beta']);
    expect(await names({ flowOrDeploymentName: { like: 'REPORT' } })).toEqual(['beta']);
    expect(await names({ name: { like: 'alp' } })).toEqual(['alpha']);
    expect(await names({ tags: { all: ['x'] } })).toEqual(['alpha']);
    expect(await names({ workQueueName: { any: ['default'] } })).toEqual(['alpha']);
    await db.deployments.pause(a.id);
    expect(await names({ paused: { eq: true } })).toEqual(['alpha']);
    expect(await db.deployments.count({ where: { paused: { eq: false } } })).toBe(1);
    expect((await db.deployments.resume(a.id)).paused).toBe(false);
    expect((await db.deployments.list({ sort: 'NAME_DESC' })).map((d) => d.name)).toEqual(['beta', 'alpha']);
  });

  it('manages schedules', async () => {
    const d = await db.deployments.upsert({ flowId, name: 'd' });
    const [s1, s2] = await db.deployments.schedules.create(d.id, [
      { schedule: { interval: 3600 } },
      { schedule: { cron: '0 9 * * *', timezone: 'Europe/Berlin' }, slug: 'morning' },
    ]);
    expect((await db.deployments.schedules.list(d.id)).map((s) => s.id)).toEqual([s1!.id, s2!.id]);
    const updated = await db.deployments.schedules.update(d.id, s1!.id, { active: false });
    expect(updated.active).toBe(false);
    await db.deployments.schedules.delete(d.id, s2!.id);
    expect(await db.deployments.schedules.list(d.id)).toHaveLength(1);
    await expect(db.deployments.schedules.delete(d.id, s2!.id)).rejects.toBeInstanceOf(NotFoundError);
    // A slug given twice in one call is bad input; one another stored schedule has is a conflict.
    await expect(
      db.deployments.schedules.create(d.id, [
        { slug: 'again', schedule: { interval: 60 } },
        { slug: 'again', schedule: { interval: 60 } },
      ]),
    ).rejects.toBeInstanceOf(ValidationError);
    await db.deployments.schedules.create(d.id, [{ slug: 'kept', schedule: { interval: 60 } }]);
    await expect(
      db.deployments.schedules.create(d.id, [{ slug: 'kept', schedule: { interval: 120 } }]),
    ).rejects.toMatchObject({
      constraint: 'uq_deployment_schedule__deployment_id_slug',
    });
  });

  it('schedules runs in bulk, idempotently, with merged parameters and the auto-scheduled tag', async () => {
    const d = await db.deployments.upsert({
      flowId,
      name: 'd',
      workPoolName: 'pool',
      parameters: { a: 1, b: 1 },
      tags: ['team'],
      schedules: [{ schedule: { interval: 3600, anchorDate: '2026-01-01T00:00:00Z' }, parameters: { b: 2 } }],
    });
    const start = new Date(Date.UTC(2026, 0, 1, 0, 30));
    const end = new Date(start.getTime() + 5 * HOUR);
    const runs = await db.deployments.scheduleRuns(d.id, { start, end });
    expect(runs.map((r) => r.nextScheduledStartTime!.toISOString())).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T04:00:00.000Z',
      '2026-01-01T05:00:00.000Z',
    ]);
    expect(runs[0]).toMatchObject({
      deploymentId: d.id,
      autoScheduled: true,
      stateType: 'SCHEDULED',
      parameters: { a: 1, b: 2 },
      tags: ['team', 'auto-scheduled'],
      workQueueName: 'default',
    });
    expect(runs[0]!.stateId).not.toBeNull();
    expect((await db.flowRuns.states(runs[0]!.id)).map((s) => s.stateDetails.scheduledTime)).toEqual([
      '2026-01-01T01:00:00.000Z',
    ]);
    expect(await db.deployments.scheduleRuns(d.id, { start, end })).toEqual([]);
    expect(await db.flowRuns.count({ where: { deploymentId: { any: [d.id] } } })).toBe(5);
    expect(
      await db.deployments.scheduleRuns(d.id, { start, end: new Date(end.getTime() + 2 * HOUR), max: 6 }),
    ).toHaveLength(1);
  });

  it('replaces schedules on upsert and deletes future auto-scheduled runs that never ran', async () => {
    const d = await db.deployments.upsert({
      flowId,
      name: 'd',
      schedules: [{ schedule: { interval: 3600 } }],
    });
    const runs = await db.deployments.scheduleRuns(d.id, { max: 3 });
    expect(runs).toHaveLength(3);
    await db.flowRuns.setState(runs[0]!.id, { type: 'RUNNING' });
    const manual = await db.flowRuns.create({ flowId, deploymentId: d.id, state: { type: 'SCHEDULED' } });
    await db.deployments.upsert({ flowId, name: 'd', schedules: [{ schedule: { cron: '0 0 * * *' } }] });
    const left = (await db.flowRuns.list({ where: { deploymentId: { any: [d.id] } } }))
      .map((r) => r.id)
      .sort();
    expect(left).toEqual([runs[0]!.id, manual.id].sort());
    expect((await db.deployments.schedules.list(d.id)).map((s) => s.schedule)).toEqual([
      { cron: '0 0 * * *' },
    ]);
  });

  it('deletes a deployment with its unstarted scheduled runs; a paused deployment schedules nothing', async () => {
    const d = await db.deployments.upsert({
      flowId,
      name: 'd',
      schedules: [{ schedule: { interval: 3600 } }],
      paused: true,
    });
    expect(await db.deployments.scheduleRuns(d.id)).toEqual([]);
    await db.deployments.resume(d.id);
    const runs = await db.deployments.scheduleRuns(d.id, { max: 2 });
    await db.flowRuns.setState(runs[0]!.id, { type: 'RUNNING' });
    await db.deployments.delete(d.id);
    expect((await db.flowRuns.list()).map((r) => r.id)).toEqual([runs[0]!.id]);
    await expect(db.deployments.delete(d.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.deployments.scheduleRuns(d.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
