/**
 * A schedule's runs get the deployment's parameters merged with the schedule's; that merge must fit
 * one document (4,000,000 bytes of JSON text) as a run's own parameters must, checked wherever
 * either side is written: upsert, update, schedules.create, schedules.update. Before, two documents
 * of 2.5 MB each made runs of 5 MB that the library's own flowRuns.update refused (a fresh user's
 * trial). Nothing is written on a refusal. Same body on both dialects.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { DIALECTS } from '../support/dialects.js';
import { suiteDatabase } from '../support/suite-database.js';

const HALF = 'x'.repeat(2_500_000);
const SCHEDULE = { interval: 3600 };
const MEGA = 'y'.repeat(1_000_000);
const TOO_BIG =
  /parameters: the deployment's parameters merged with the schedule's are [45],\d{3},\d{3} bytes of JSON text, at most 4,000,000/;

describe.each(DIALECTS)("a schedule's merged parameters fit one document (%s)", (dialect) => {
  const db = suiteDatabase(dialect);
  let flowId: string;
  beforeAll(async () => {
    flowId = (await db().flows.create({ name: 'f' })).id;
  });

  const refused = async (write: Promise<unknown>) => {
    const error = await write.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(TOO_BIG);
  };

  it('upsert refuses a merge past the cap and writes nothing', async () => {
    await refused(
      db().deployments.upsert({
        flowId,
        name: 'refused',
        parameters: { a: HALF },
        schedules: [{ schedule: SCHEDULE, parameters: { b: HALF } }],
      }),
    );
    expect(await db().deployments.getByName('f', 'refused')).toBeNull();
  });

  it('update, schedules.create and schedules.update refuse it too; the same keys overridden fit', async () => {
    const d = await db().deployments.upsert({
      flowId,
      name: 'd',
      parameters: { a: HALF },
      schedules: [{ schedule: SCHEDULE, parameters: { m: MEGA } }],
    });
    const [schedule] = await db().deployments.schedules.list(d.id);
    await refused(
      db().deployments.schedules.create(d.id, [{ schedule: { interval: 60 }, parameters: { b: HALF } }]),
    );
    await refused(db().deployments.schedules.update(d.id, schedule!.id, { parameters: { b: HALF } }));
    // 3.5 MB on its own, 4.5 MB merged with the schedule's.
    await refused(db().deployments.update(d.id, { parameters: { a: HALF, c: MEGA } }));
    expect((await db().deployments.get(d.id))!.parameters).toEqual({ a: HALF });
    expect((await db().deployments.schedules.list(d.id)).map((s) => s.parameters)).toEqual([{ m: MEGA }]);
    // A schedule that overrides the deployment's key merges to one copy: it fits.
    await db().deployments.schedules.update(d.id, schedule!.id, { parameters: { a: HALF } });
    const [run] = await db().deployments.scheduleRuns(d.id, { max: 1 });
    expect(run!.parameters).toEqual({ a: HALF });
    expect(await db().flowRuns.update(run!.id, { parameters: run!.parameters })).toMatchObject({
      id: run!.id,
    });
  });
});
