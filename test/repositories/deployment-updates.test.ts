import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/index.js';
import { FAR, MISSING, deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';

// Issue 11, from a user's trial: queue names, schedule changes and late runs after an update keep
// the runs a worker claims right (semantics.md §5; docs/work.md "What a redeploy, an update ...").
describe.each(DIALECTS)('deployment and schedule updates and their runs (%s)', (dialect) => {
  const { f, deploy, runsOf, late } = deploymentFixture(dialect);
  const queueId = async (pool: string, queue: string) => (await f.db.workQueues.getByName(pool, queue))!.id;
  const ids = (runs: { id: string }[]) => runs.map((r) => r.id).sort();

  it('workQueueName alone moves the deployment to that queue of its current pool, and its runs with it', async () => {
    const d = await deploy();
    const future = await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    const other = await queueId('pool', 'other');
    const moved = await f.db.deployments.update(d.id, { workQueueName: 'other' });
    expect(moved).toMatchObject({ workQueueId: other, workQueueName: 'other' });
    // The runs made for the old queue are gone; the regenerated ones are claimed from 'other' only.
    expect(ids(await runsOf(d.id)).filter((id) => ids(future).includes(id))).toEqual([]);
    await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    const fromDefault = await f.db.workQueues.claimScheduledRuns({
      workPoolName: 'pool',
      workQueueNames: ['default'],
      limit: 10,
      scheduledBefore: FAR,
    });
    expect(fromDefault).toEqual([]);
    const fromOther = await f.db.workQueues.claimScheduledRuns({
      workPoolName: 'pool',
      workQueueNames: ['other'],
      limit: 10,
      scheduledBefore: FAR,
    });
    expect(fromOther).toHaveLength(3);
    // null is the pool's default queue again.
    expect(await f.db.deployments.update(d.id, { workQueueName: null })).toMatchObject({
      workQueueId: await queueId('pool', 'default'),
      workQueueName: 'default',
    });
  });

  it('workQueueName alone is looked up in the deployment own pool, not another pool with that name', async () => {
    await f.db.workPools.create({ name: 'second' });
    await f.db.workQueues.create({ workPoolName: 'second', name: 'other' });
    const d = await deploy({ workPoolName: 'second' });
    expect(await f.db.deployments.update(d.id, { workQueueName: 'other' })).toMatchObject({
      workQueueId: await queueId('second', 'other'),
    });
    // A redeploy naming only the queue resolves it in the current pool too.
    const again = await f.db.deployments.upsert({ flowId: f.flowId, name: 'd', workQueueName: 'default' });
    expect(again.workQueueId).toBe(await queueId('second', 'default'));
  });

  it('a queue name that does not exist is a NotFoundError and nothing changes; without a pool a ValidationError', async () => {
    const d = await deploy();
    await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    const before = await runsOf(d.id);
    const missing = await f.db.deployments.update(d.id, { workQueueName: 'nope' }).catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe('work queue "nope" not found in pool "pool"');
    await expect(
      f.db.deployments.upsert({ flowId: f.flowId, name: 'd', workQueueName: 'nope' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await f.db.deployments.get(d.id)).toMatchObject({
      workQueueName: 'default',
      workQueueId: d.workQueueId,
    });
    expect(ids(await runsOf(d.id))).toEqual(ids(before));

    const loose = await f.db.deployments.upsert({ flowId: f.flowId, name: 'loose' });
    const noPool = await f.db.deployments.update(loose.id, { workQueueName: 'other' }).catch((e) => e);
    expect(noPool).toBeInstanceOf(ValidationError);
    expect(noPool.message).toContain('needs workPoolName');
    await expect(
      f.db.deployments.upsert({ flowId: f.flowId, name: 'fresh', workQueueName: 'other' }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await f.db.deployments.getByName('etl', 'fresh')).toBeNull();
    expect(await f.db.deployments.get(loose.id)).toMatchObject({ workQueueId: null, workQueueName: null });
  });

  it('deactivating, changing or deleting a schedule deletes its future unclaimed runs; late and claimed runs stay', async () => {
    const d = await deploy({
      schedules: [
        { schedule: { interval: 3600 }, slug: 'hourly' },
        { schedule: { cron: '30 * * * *' }, slug: 'half' },
      ],
    });
    const [hourly, half] = await f.db.deployments.schedules.list(d.id);
    const overdue = await late(d.id);
    expect(overdue.length).toBeGreaterThanOrEqual(5);
    const future = await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    expect(future).toHaveLength(6);
    const [claimed] = await f.db.workQueues.claimScheduledRuns({
      workPoolName: 'pool',
      limit: 1,
      scheduledBefore: FAR,
    });
    // Claims take the late runs first: claim one future run by hand instead.
    const firstFuture = future[0]!;
    await f.db.flowRuns.setState(firstFuture.id, { type: 'PENDING' });
    const kept = new Set([...ids(overdue), claimed!.id, firstFuture.id]);
    const futureOf = (key: string) =>
      ids(future.filter((r) => r.idempotencyKey!.includes(` ${key} `) && !kept.has(r.id)));

    // A slug change alone leaves the runs.
    await f.db.deployments.schedules.update(d.id, hourly!.id, { slug: 'every-hour' });
    expect(ids(await runsOf(d.id))).toEqual(ids([...overdue, ...future]));

    await f.db.deployments.schedules.update(d.id, hourly!.id, { active: false });
    let left = ids(await runsOf(d.id));
    expect(left.filter((id) => futureOf(hourly!.id).includes(id))).toEqual([]);
    expect(futureOf(half!.id).every((id) => left.includes(id))).toBe(true);
    expect([...kept].every((id) => left.includes(id))).toBe(true);

    await f.db.deployments.schedules.update(d.id, half!.id, { schedule: { cron: '45 * * * *' } });
    left = ids(await runsOf(d.id));
    expect(left.filter((id) => futureOf(half!.id).includes(id))).toEqual([]);
    const regenerated = await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    expect(regenerated.map((r) => r.nextScheduledStartTime!.getUTCMinutes())).toEqual([45, 45, 45]);

    await f.db.deployments.schedules.delete(d.id, half!.id);
    left = ids(await runsOf(d.id));
    expect(left.filter((id) => ids(regenerated).includes(id))).toEqual([]);
    expect([...kept].every((id) => left.includes(id))).toBe(true);
    await expect(f.db.deployments.schedules.delete(d.id, half!.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      f.db.deployments.schedules.update(MISSING, hourly!.id, { active: true }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('late runs stay after an update and take what they inherit now: queue, parameters, job variables, tags', async () => {
    const d = await deploy({
      parameters: { a: 1 },
      jobVariables: { image: 'v1' },
      schedules: [{ schedule: { interval: 3600 }, parameters: { s: 1 } }],
    });
    const [schedule] = await f.db.deployments.schedules.list(d.id);
    const overdue = await late(d.id);
    expect(overdue).toHaveLength(3);
    await f.db.flowRuns.markLate({ after: 0 });
    await f.db.deployments.update(d.id, {
      workQueueName: 'other',
      parameters: { a: 2 },
      jobVariables: { image: 'v2' },
      tags: ['new'],
      version: '2',
    });
    const other = await queueId('pool', 'other');
    let runs = await runsOf(d.id);
    expect(ids(runs)).toEqual(ids(overdue));
    for (const run of runs) {
      expect(run).toMatchObject({
        workQueueId: other,
        workQueueName: 'other',
        parameters: { a: 2, s: 1 },
        jobVariables: { image: 'v2' },
        deploymentVersion: '2',
        stateName: 'Late',
      });
      expect(run.tags.sort()).toEqual(['auto-scheduled', 'new']);
    }
    // A schedule's new parameters reach its late runs too.
    await f.db.deployments.schedules.update(d.id, schedule!.id, { parameters: { s: 2 } });
    runs = await runsOf(d.id);
    expect(runs.map((r) => r.parameters)).toEqual(runs.map(() => ({ a: 2, s: 2 })));
    const claimed = await f.db.workQueues.claimScheduledRuns({
      workPoolName: 'pool',
      workQueueNames: ['other'],
      limit: 10,
      scheduledBefore: FAR,
    });
    expect(ids(claimed)).toEqual(ids(overdue));
  });

  it('flowRuns.update refuses a missing deployment and one of another flow, writing nothing', async () => {
    const d = await deploy({ schedules: [] });
    const otherFlow = await f.db.flows.create({ name: 'other' });
    const foreign = await f.db.deployments.upsert({ flowId: otherFlow.id, name: 'foreign' });
    const run = await f.db.flowRuns.create({ flowId: f.flowId });
    const wrong = await f.db.flowRuns.update(run.id, { deploymentId: foreign.id }).catch((e) => e);
    expect(wrong).toBeInstanceOf(ValidationError);
    expect(wrong.issues).toEqual([{ path: ['deploymentId'], message: 'belongs to another flow' }]);
    await expect(f.db.flowRuns.update(run.id, { deploymentId: MISSING })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(f.db.flowRuns.update(MISSING, { deploymentId: d.id })).rejects.toBeInstanceOf(NotFoundError);
    expect((await f.db.flowRuns.get(run.id))!.deploymentId).toBeNull();
    expect((await f.db.flowRuns.update(run.id, { deploymentId: d.id })).deploymentId).toBe(d.id);
    expect((await f.db.flowRuns.update(run.id, { deploymentId: null })).deploymentId).toBeNull();
  });

  it('refuses a parameterOpenapiSchema Ajv cannot compile, and schedule parameters the enforced schema refuses', async () => {
    const bad = await deploy({ parameterOpenapiSchema: { type: 'nope' } }).catch((e) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad.issues[0].path).toEqual(['parameterOpenapiSchema']);
    expect(bad.message).toContain('is not a valid JSON Schema');
    await expect(deploy({ parameterOpenapiSchema: [] })).rejects.toBeInstanceOf(ValidationError);
    expect(await f.db.deployments.count()).toBe(0);

    const parameterOpenapiSchema = {
      type: 'object',
      properties: { retries: { type: 'integer' } },
      required: ['retries'],
    };
    const refused = await deploy({
      parameterOpenapiSchema,
      enforceParameterSchema: true,
      schedules: [{ schedule: { interval: 3600 }, parameters: { retries: 'x' } }],
    }).catch((e) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused.message).toContain('schedules[0].parameters.retries: must be integer');
    expect(await f.db.deployments.count()).toBe(0);

    const d = await deploy({
      parameterOpenapiSchema,
      enforceParameterSchema: true,
      schedules: [{ schedule: { interval: 3600 }, parameters: { retries: 1 } }],
    });
    const [schedule] = await f.db.deployments.schedules.list(d.id);
    await expect(
      f.db.deployments.update(d.id, { parameterOpenapiSchema: { properties: { retries: { type: 7 } } } }),
    ).rejects.toBeInstanceOf(ValidationError);
    const created = await f.db.deployments.schedules
      .create(d.id, [{ schedule: { interval: 60 }, parameters: { other: 1 } }])
      .catch((e) => e);
    expect(created).toBeInstanceOf(ValidationError);
    expect(created.issues[0].path).toEqual([0, 'parameters', 'retries']);
    await expect(
      f.db.deployments.schedules.update(d.id, schedule!.id, { parameters: { retries: 'y' } }),
    ).rejects.toBeInstanceOf(ValidationError);
    // Changing the deployment's parameters so a schedule's runs no longer satisfy the schema.
    await expect(f.db.deployments.update(d.id, { parameters: { retries: 'z' } })).resolves.toBeDefined();
    const emptied = await f.db.deployments.schedules
      .update(d.id, schedule!.id, { parameters: {} })
      .catch((e) => e);
    expect(emptied).toBeInstanceOf(ValidationError);
    expect(emptied.message).toContain('parameters.retries: must be integer');
    expect((await f.db.deployments.schedules.list(d.id)).map((s) => s.parameters)).toEqual([{ retries: 1 }]);
    // Not enforced (enforcement is on by default, as Prefect): anything goes.
    const loose = await f.db.deployments.upsert({
      flowId: f.flowId,
      name: 'loose',
      parameterOpenapiSchema,
      enforceParameterSchema: false,
      schedules: [{ schedule: { interval: 60 }, parameters: { retries: 'x' } }],
    });
    expect(loose.enforceParameterSchema).toBe(false);
  });

  it('refuses a cron no date matches, an interval under a second and a slug given twice, writing nothing', async () => {
    const cases: [Record<string, unknown>[], string][] = [
      [[{ schedule: { cron: '0 0 30 2 *' } }], 'never fires'],
      // Mondays in February with dayOr (cron's default) but February 31st without it.
      [[{ schedule: { cron: '0 0 31 2 1', dayOr: false } }], 'no date matches it with dayOr false'],
      // 02:00-02:59 on the last Sunday of March does not exist in Berlin.
      [
        [{ schedule: { cron: '*/30 2 25-31 3 0', dayOr: false, timezone: 'Europe/Berlin' } }],
        'never fires in Europe/Berlin: every time it matches is skipped by a daylight-saving change',
      ],
      [[{ schedule: { interval: 0.0001 } }], 'interval must be at least 1 second'],
      [
        [
          { schedule: { interval: 60 }, slug: 's' },
          { schedule: { interval: 120 }, slug: 's' },
        ],
        'schedules[1].slug: slug "s" is given twice',
      ],
    ];
    for (const [schedules, says] of cases) {
      const error = await deploy({ schedules }).catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain(says);
    }
    expect(await f.db.deployments.count()).toBe(0);
    const d = await deploy({ schedules: [] });
    const twice = await f.db.deployments.schedules
      .create(d.id, [
        { schedule: { interval: 60 }, slug: 'x' },
        { schedule: { interval: 60 }, slug: 'x' },
      ])
      .catch((e) => e);
    expect(twice).toBeInstanceOf(ValidationError);
    expect(twice.message).toContain('[1].slug');
    expect(await f.db.deployments.schedules.list(d.id)).toEqual([]);
    // The same refusals on schedules.create and schedules.update.
    const [made] = await f.db.deployments.schedules.create(d.id, [{ schedule: { cron: '0 0 31 2 1' } }]);
    for (const write of [
      () => f.db.deployments.schedules.create(d.id, [{ schedule: { cron: '0 0 31 2 1', dayOr: false } }]),
      () =>
        f.db.deployments.schedules.update(d.id, made!.id, { schedule: { cron: '0 0 31 2 1', dayOr: false } }),
    ]) {
      const error = await write().catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('never fires');
    }
    expect((await f.db.deployments.schedules.list(d.id)).map((s) => s.schedule)).toEqual([made!.schedule]);
    await f.db.deployments.schedules.delete(d.id, made!.id);
    // One second is the least interval; a leap-day cron fires, and so does a fixed time in a gap.
    await expect(
      f.db.deployments.schedules.create(d.id, [
        { schedule: { interval: 1 } },
        { schedule: { cron: '0 0 29 2 *' } },
        { schedule: { cron: '30 2 25-31 3 0', dayOr: false, timezone: 'Europe/Berlin' } },
      ]),
    ).resolves.toHaveLength(3);
  });
});
