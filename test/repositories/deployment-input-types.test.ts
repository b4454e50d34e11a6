/**
 * The input types refuse what the runtime check refuses (issue 11): a schedule of two kinds, and a
 * deployment naming its queue both by id and by pool or queue name. Each `@ts-expect-error` fails
 * `npx tsc -p tsconfig.check.json` the day the type accepts its line; the same values still go
 * through every method at run time (as from JavaScript or a cast), which refuses them with a
 * ValidationError saying why and writes nothing, on both dialects.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentUpdate, DeploymentUpsert, ScheduleSpec } from '../../src/index.js';
import { ValidationError } from '../../src/index.js';
import { deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';

// One kind each compiles.
const byInterval: ScheduleSpec = { interval: 60, anchorDate: new Date(), timezone: 'UTC' };
const byCron: ScheduleSpec = { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', dayOr: false };
const byRRule: ScheduleSpec = { rrule: 'FREQ=DAILY', timezone: null };

/** Two kinds in one schedule, with the words of the ValidationError. */
const mixedSchedules: [ScheduleSpec, string][] = [
  // @ts-expect-error interval and cron
  [{ interval: 60, cron: '* * * * *' }, 'a schedule is one kind; it has interval and cron'],
  // @ts-expect-error cron and rrule
  [{ cron: '* * * * *', rrule: 'FREQ=DAILY' }, 'a schedule is one kind; it has cron and rrule'],
  // @ts-expect-error interval and rrule
  [{ interval: 60, rrule: 'FREQ=DAILY' }, 'a schedule is one kind; it has interval and rrule'],
  // @ts-expect-error dayOr belongs to cron
  [{ interval: 60, dayOr: false }, 'interval schedules take interval, anchorDate, timezone; unknown key'],
  // @ts-expect-error anchorDate belongs to interval
  [{ rrule: 'FREQ=DAILY', anchorDate: '2026-01-01' }, 'rrule schedules take rrule, timezone; unknown key'],
];

// The queue by name, or by id, compiles.
const byName: DeploymentUpdate = { workPoolName: 'pool', workQueueName: 'other' };
const byId: DeploymentUpdate = { workQueueId: null, version: '2' };

const bothQueues = (queueId: string): DeploymentUpdate[] => [
  // @ts-expect-error an id and a pool
  { workQueueId: queueId, workPoolName: 'pool' },
  // @ts-expect-error an id and a queue name
  { workQueueId: queueId, workQueueName: 'other' },
  // @ts-expect-error null (detach) and both names
  { workQueueId: null, workPoolName: 'pool', workQueueName: 'other' },
];

describe.each(DIALECTS)('input types and runtime checks agree (%s)', (dialect) => {
  const { f } = deploymentFixture(dialect);

  it('a schedule is one kind: the type refuses two, and so does every method', async () => {
    const d = await f.db.deployments.upsert({ flowId: f.flowId, name: 'd', workPoolName: 'pool' });
    const made = await f.db.deployments.schedules.create(
      d.id,
      [byInterval, byCron, byRRule].map((schedule) => ({ schedule })),
    );
    expect(made.map((s) => Object.keys(s.schedule)[0])).toEqual(['interval', 'cron', 'rrule']);
    const stored = await f.db.deployments.schedules.list(d.id);
    for (const [schedule, says] of mixedSchedules) {
      for (const write of [
        () => f.db.deployments.upsert({ flowId: f.flowId, name: 'd', schedules: [{ schedule }] }),
        () => f.db.deployments.schedules.create(d.id, [{ schedule }]),
        () => f.db.deployments.schedules.update(d.id, made[0]!.id, { schedule }),
      ]) {
        const error = await write().catch((e) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.message).toContain(says);
      }
    }
    expect(await f.db.deployments.schedules.list(d.id)).toEqual(stored);
  });

  it('a queue by id or by pool and name: the type refuses both, and so do upsert and update', async () => {
    const other = (await f.db.workQueues.getByName('pool', 'other'))!;
    const d = await f.db.deployments.upsert({ flowId: f.flowId, name: 'd', ...byName });
    expect(d.workQueueId).toBe(other.id);
    const { flowId } = f;
    // @ts-expect-error an upsert too
    const upsert: DeploymentUpsert = { flowId, name: 'n', workQueueId: other.id, workPoolName: 'p' };
    const says = 'give workQueueId or workPoolName / workQueueName, not both';
    for (const patch of bothQueues(other.id)) {
      for (const write of [
        () => f.db.deployments.update(d.id, patch),
        () => f.db.deployments.upsert({ ...patch, flowId: f.flowId, name: 'd' } as DeploymentUpsert),
        () => f.db.deployments.upsert(upsert),
      ]) {
        const error = await write().catch((e) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.message).toContain(says);
      }
    }
    expect(await f.db.deployments.list()).toEqual([d]);
    expect(await f.db.deployments.update(d.id, byId)).toMatchObject({ workQueueId: null, version: '2' });
  });
});
