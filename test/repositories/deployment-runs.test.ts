import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/index.js';
import { FAR, HOUR, MISSING, deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';

// Issue 11, section 1: redeploys, updates and pauses keep exactly the right runs (semantics.md §5).
describe.each(DIALECTS)('what deployments do to their runs (%s)', (dialect) => {
  const { f, deploy, runsOf, late } = deploymentFixture(dialect);
  const claim = (limit: number, scheduledBefore = FAR) =>
    f.db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit, scheduledBefore });
  it('a redeploy of the same deployment never schedules a claimed instant twice', async () => {
    const d = await deploy();
    const [schedule] = await f.db.deployments.schedules.list(d.id);
    const runs = await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    const [claimed] = await claim(1);
    expect(claimed!.id).toBe(runs[0]!.id);
    await deploy();
    expect((await f.db.deployments.schedules.list(d.id)).map((s) => s.id)).toEqual([schedule!.id]);
    await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    const at = runs[0]!.nextScheduledStartTime!.getTime();
    const all = await runsOf(d.id);
    expect(all.filter((r) => r.expectedStartTime!.getTime() === at).map((r) => r.stateType)).toEqual([
      'PENDING',
    ]);
    expect(all).toHaveLength(3);
  });

  it('keeps schedule identity by slug, else by equal schedule in order', async () => {
    const d = await deploy({
      schedules: [
        { schedule: { interval: 60 } },
        { schedule: { interval: 60 } },
        { schedule: { cron: '0 9 * * *' }, slug: 'morning' },
        { schedule: { interval: 120 } },
      ],
    });
    const [a, b, morning, gone] = await f.db.deployments.schedules.list(d.id);
    await deploy({
      schedules: [
        { schedule: { cron: '30 9 * * *' }, slug: 'morning' },
        { schedule: { interval: 60 }, active: false },
        { schedule: { interval: 60 } },
        { schedule: { interval: 300 } },
      ],
    });
    const after = await f.db.deployments.schedules.list(d.id);
    expect(after).toHaveLength(4);
    const byId = new Map(after.map((s) => [s.id, s]));
    expect(byId.get(morning!.id)!.schedule).toEqual({ cron: '30 9 * * *' });
    expect(byId.get(a!.id)!.active).toBe(false);
    expect(byId.get(b!.id)!.active).toBe(true);
    expect(byId.has(gone!.id)).toBe(false);
    expect(after.filter((s) => ![a!.id, b!.id, morning!.id].includes(s.id)).map((s) => s.schedule)).toEqual([
      { interval: 300 },
    ]);
  });

  it('a redeploy deletes only future unclaimed auto-scheduled runs, never late ones', async () => {
    const d = await deploy();
    const overdue = await late(d.id);
    expect(overdue).toHaveLength(3);
    const future = await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    const manual = await f.db.flowRuns.create({
      flowId: f.flowId,
      deploymentId: d.id,
      state: {
        type: 'SCHEDULED',
        stateDetails: { scheduledTime: new Date(Date.now() + HOUR).toISOString() },
      },
    });
    await deploy();
    const left = (await runsOf(d.id)).map((r) => r.id).sort();
    expect(left).toEqual([...overdue.map((r) => r.id), manual.id].sort());
    expect(future.every((r) => !left.includes(r.id))).toBe(true);
  });

  it('changing what a run inherits regenerates the future runs from the new values; late runs stay', async () => {
    const d = await deploy({ parameters: { a: 1 }, jobVariables: { image: 'v1' } });
    const overdue = await late(d.id);
    await f.db.deployments.scheduleRuns(d.id, { max: 3 });
    const other = await f.db.workQueues.getByName('pool', 'other');
    for (const patch of [
      { workPoolName: 'pool', workQueueName: 'other' },
      { jobVariables: { image: 'v2' } },
      { parameters: { a: 2 } },
      { tags: ['new'] },
      { version: '2' },
    ]) {
      await f.db.deployments.update(d.id, patch);
      const regenerated = await f.db.deployments.scheduleRuns(d.id, { max: 3 });
      expect(regenerated).toHaveLength(3);
    }
    const runs = await runsOf(d.id);
    expect(runs).toHaveLength(6);
    for (const run of runs.slice(3)) {
      expect(run).toMatchObject({
        workQueueId: other!.id,
        jobVariables: { image: 'v2' },
        parameters: { a: 2 },
        deploymentVersion: '2',
      });
      expect(run.tags).toContain('new');
    }
    expect(runs.slice(0, 3).map((r) => r.id)).toEqual(overdue.map((r) => r.id));
    // An update that changes nothing a run inherits leaves the runs alone.
    const ids = runs.map((r) => r.id);
    await f.db.deployments.update(d.id, { description: 'docs only', parameters: { a: 2 } });
    expect((await runsOf(d.id)).map((r) => r.id)).toEqual(ids);
  });

  it('pausing deletes every auto-scheduled run still SCHEDULED; hand-made runs stay claimable; resume schedules nothing', async () => {
    const d = await deploy();
    await late(d.id);
    await f.db.deployments.scheduleRuns(d.id, { max: 2 });
    const manual = await f.db.flowRuns.create({
      flowId: f.flowId,
      deploymentId: d.id,
      workQueueId: d.workQueueId,
      state: { type: 'SCHEDULED' },
    });
    await f.db.deployments.pause(d.id);
    expect(await f.db.deployments.scheduleRuns(d.id)).toEqual([]);
    expect(await f.db.deployments.scheduleDue()).toEqual([]);
    expect((await claim(10)).map((r) => r.id)).toEqual([manual.id]);
    await f.db.deployments.resume(d.id);
    expect((await runsOf(d.id)).map((r) => r.id)).toEqual([manual.id]);
    expect(await f.db.deployments.scheduleRuns(d.id, { max: 2 })).toHaveLength(2);
  });

  it('createFlowRun inherits the deployment and merges what is given', async () => {
    const d = await deploy({
      version: '7',
      tags: ['team'],
      labels: { env: 'prod' },
      parameters: { a: 1, b: 1 },
      jobVariables: { image: 'v1', cpu: 1 },
      schedules: [],
    });
    const run = await f.db.deployments.createFlowRun(d.id, {
      parameters: { b: 2 },
      jobVariables: { cpu: 2 },
      tags: ['adhoc', 'team'],
    });
    expect(run).toMatchObject({
      flowId: f.flowId,
      deploymentId: d.id,
      deploymentVersion: '7',
      workQueueId: d.workQueueId,
      workQueueName: 'default',
      parameters: { a: 1, b: 2 },
      jobVariables: { image: 'v1', cpu: 2 },
      labels: { env: 'prod' },
      stateType: 'SCHEDULED',
      autoScheduled: false,
    });
    expect(run.tags).toEqual(['team', 'adhoc']);
    expect(Math.abs(run.nextScheduledStartTime!.getTime() - Date.now())).toBeLessThan(60_000);
    expect((await claim(5, new Date(Date.now() + 60_000))).map((r) => r.id)).toEqual([run.id]);
    const again = await f.db.deployments.createFlowRun(d.id, { idempotencyKey: 'k' });
    expect((await f.db.deployments.createFlowRun(d.id, { idempotencyKey: 'k' })).id).toBe(again.id);
    await expect(f.db.deployments.createFlowRun(MISSING)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('createFlowRun enforces the parameter schema, naming the parameter', async () => {
    const parameterOpenapiSchema = {
      type: 'object',
      title: 'Parameters',
      properties: {
        retries: { type: 'integer', title: 'retries', position: 0 },
        day: { $ref: '#/definitions/Day', position: 1 },
      },
      required: ['retries'],
      definitions: { Day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
    };
    const d = await deploy({ parameterOpenapiSchema, enforceParameterSchema: true, schedules: [] });
    const before = await f.db.flowRuns.count();
    const bad = await f.db.deployments.createFlowRun(d.id, { parameters: { retries: 'x' } }).catch((e) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad.message).toContain('parameters.retries: must be integer');
    const missing = await f.db.deployments
      .createFlowRun(d.id, { parameters: { day: 'monday' } })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(ValidationError);
    expect(missing.issues.map((i: { path: unknown[] }) => i.path)).toEqual(
      expect.arrayContaining([
        ['parameters', 'retries'],
        ['parameters', 'day'],
      ]),
    );
    expect(await f.db.flowRuns.count()).toBe(before);
    expect(
      (await f.db.deployments.createFlowRun(d.id, { parameters: { retries: 2, day: '2026-01-01' } }))
        .parameters,
    ).toEqual({
      retries: 2,
      day: '2026-01-01',
    });
    // Not enforced: anything goes.
    await f.db.deployments.update(d.id, { enforceParameterSchema: false });
    expect((await f.db.deployments.createFlowRun(d.id, { parameters: { retries: 'x' } })).parameters).toEqual(
      {
        retries: 'x',
      },
    );
  });

  it('flowRuns.create refuses a missing deployment and one of another flow', async () => {
    const d = await deploy({ schedules: [] });
    const other = await f.db.flows.create({ name: 'other' });
    await expect(f.db.flowRuns.create({ flowId: f.flowId, deploymentId: MISSING })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(f.db.flowRuns.create({ flowId: other.id, deploymentId: d.id })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await f.db.flowRuns.count()).toBe(0);
  });

  it('deployments accept workQueueId', async () => {
    const other = await f.db.workQueues.getByName('pool', 'other');
    const d = await f.db.deployments.upsert({ flowId: f.flowId, name: 'byid', workQueueId: other!.id });
    expect(d).toMatchObject({ workQueueId: other!.id, workQueueName: 'other' });
    const moved = await f.db.deployments.update(d.id, { workQueueId: null });
    expect(moved).toMatchObject({ workQueueId: null, workQueueName: null });
    await expect(f.db.deployments.update(d.id, { workQueueId: MISSING })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // Together with workPoolName / workQueueName: test/repositories/deployment-input-types.test.ts.
  });
});
