/**
 * An auto-scheduled run that was claimed and went back to SCHEDULED before it ran (AwaitingRetry)
 * counts as claimed: a redeploy, an update or a schedule change keeps it with its history, and the
 * next scheduleRuns does not schedule its instant again (docs/work.md, "What a redeploy, an update
 * or a pause does to runs"). Shown to fail on the code that judged a run by its current state
 * only: the run and its history were deleted and its instant scheduled a second time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Database, StateType } from '../../src/index.js';
import { FAR, HOUR, deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';

type Change = 'upsert' | 'update' | 'schedules.update' | 'pause';

/** A change that deletes a deployment's future unclaimed auto-scheduled runs. */
async function change(db: Database, id: string, how: Change, redeploy: () => Promise<unknown>) {
  if (how === 'upsert') await redeploy();
  else if (how === 'update') await db.deployments.update(id, { parameters: { v: 2 } });
  else if (how === 'pause') await db.deployments.pause(id);
  else {
    const [schedule] = await db.deployments.schedules.list(id);
    await db.deployments.schedules.update(id, schedule!.id, { parameters: { v: 3 } });
  }
}

describe.each(DIALECTS)('claimed runs back in SCHEDULED survive redeploys (%s)', (dialect) => {
  const { f, deploy, runsOf } = deploymentFixture(dialect);
  const claimOne = () =>
    f.db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 1, scheduledBefore: FAR });

  /** The deployment's first run, claimed early, then moved through `path` (ending in SCHEDULED). */
  async function runThrough(name: string, path: StateType[]) {
    const d = await deploy({ name });
    const [run] = await f.db.deployments.scheduleRuns(d.id, { max: 1 });
    const at = run!.nextScheduledStartTime!;
    if (path.includes('PENDING')) {
      const [claimed] = await claimOne();
      expect(claimed!.id).toBe(run!.id);
    }
    for (const type of path) {
      if (type === 'PENDING') continue;
      const scheduledTime = new Date(at.getTime() + HOUR).toISOString();
      await f.db.flowRuns.setState(run!.id, {
        type,
        name: type === 'SCHEDULED' ? 'AwaitingRetry' : undefined,
        stateDetails: type === 'SCHEDULED' ? { scheduledTime } : undefined,
      });
    }
    return { d, run: run!, at };
  }

  it.each<Change>(['upsert', 'update', 'schedules.update', 'pause'])(
    '%s keeps a claimed run set back to AwaitingRetry, and its instant is not scheduled again',
    async (how) => {
      const { d, run, at } = await runThrough('d', ['PENDING', 'SCHEDULED']);
      await change(f.db, d.id, how, () => deploy({ name: 'd' }));
      expect((await f.db.flowRuns.get(run.id))?.stateName).toBe('AwaitingRetry');
      expect((await f.db.flowRuns.states(run.id)).map((s) => s.type)).toEqual([
        'SCHEDULED',
        'PENDING',
        'SCHEDULED',
      ]);
      if (how === 'pause') await f.db.deployments.resume(d.id);
      await f.db.deployments.scheduleRuns(d.id, { max: 1 });
      const same = (await runsOf(d.id)).filter((r) => r.expectedStartTime!.getTime() === at.getTime());
      expect(same.map((r) => r.id)).toEqual([run.id]);
    },
  );

  it('property: a change keeps a SCHEDULED run exactly when its history left SCHEDULED', async () => {
    let n = 0;
    const step = fc.constantFrom<StateType>('PENDING', 'SCHEDULED', 'PAUSED');
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 3 }),
        fc.constantFrom<Change>('upsert', 'update', 'schedules.update'),
        async (steps, how) => {
          // PENDING first when at all (a claim takes a SCHEDULED run); always back to SCHEDULED.
          const path: StateType[] = [
            ...(steps.includes('PENDING') ? ['PENDING' as const] : []),
            ...steps.filter((s) => s !== 'PENDING'),
            'SCHEDULED',
          ];
          const name = `p${n++}`;
          const { d, run } = await runThrough(name, path);
          await change(f.db, d.id, how, () => deploy({ name }));
          const left = path.some((t) => t !== 'SCHEDULED');
          expect((await f.db.flowRuns.get(run.id)) !== null).toBe(left);
        },
      ),
      { numRuns: dialect === 'sqlite' ? 40 : 20 },
    );
  }, 120_000);
});
