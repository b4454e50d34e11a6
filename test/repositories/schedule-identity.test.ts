/**
 * Schedule identity across a redeploy when the same schedule is written with its defaults spelled
 * out, left out or given as null (docs/work.md, "Schedule identity"): the schedule keeps its id, so
 * a run claimed before it was due is never scheduled a second time. Shown to fail on the code that
 * compared the schedule objects as written: `{ interval: 3600, timezone: 'UTC' }` after
 * `{ interval: 3600 }` got a new id and a second run at the claimed instant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleKey } from '../../src/repositories/schedules.js';
import type { Schedule } from '../../src/schema/json-types.js';
import { FAR, deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';

/** A schedule's meaning; `spelled` writes it in one of the ways that mean the same. */
interface Base {
  kind: 'interval' | 'cron' | 'rrule';
  every: number;
  timezone: 'UTC' | 'Europe/Berlin';
  /** Interval only: undefined is the default anchor. */
  anchor?: string;
  /** Cron only. */
  dayOr: boolean;
}

const base: fc.Arbitrary<Base> = fc.record({
  kind: fc.constantFrom('interval' as const, 'cron' as const, 'rrule' as const),
  every: fc.constantFrom(1, 2, 24),
  timezone: fc.constantFrom('UTC' as const, 'Europe/Berlin' as const),
  anchor: fc.constantFrom(undefined, '2024-03-01T10:15:00.000Z'),
  dayOr: fc.boolean(),
});

/** Another name of the same zone: an alias, or the name in other letter case (a fresh user's trial). */
const ALIAS = { UTC: 'Etc/UTC', 'Europe/Berlin': 'europe/berlin' } as const;

/** Per default: left out, spelled out, (timezone) null or another name; a non-default anchor in one of its forms. */
const spelling = fc.record({
  timezone: fc.constantFrom('omit', 'explicit', 'null', 'alias'),
  anchor: fc.constantFrom('omit', 'explicit', 'offset', 'date'),
  dayOr: fc.constantFrom('omit', 'explicit'),
});
type Spelling = typeof spelling extends fc.Arbitrary<infer T> ? T : never;

function spelled(b: Base, how: Spelling): Record<string, unknown> {
  const out: Record<string, unknown> =
    b.kind === 'interval'
      ? { interval: b.every * 3600 }
      : b.kind === 'cron'
        ? { cron: `0 */${b.every} * * *` }
        : { rrule: `FREQ=HOURLY;INTERVAL=${b.every}` };
  if (how.timezone === 'alias') out.timezone = ALIAS[b.timezone];
  else if (b.timezone !== 'UTC' || how.timezone === 'explicit') out.timezone = b.timezone;
  else if (how.timezone === 'null') out.timezone = null;
  if (b.kind === 'interval') {
    const anchor = b.anchor ?? '2020-01-01T00:00:00.000Z';
    if (b.anchor !== undefined || how.anchor !== 'omit') {
      if (how.anchor === 'date') out.anchorDate = new Date(anchor);
      // The same instant with another offset and without milliseconds.
      else if (how.anchor === 'offset')
        out.anchorDate = new Date(new Date(anchor).getTime() + 3_600_000)
          .toISOString()
          .replace('.000Z', '+01:00');
      else out.anchorDate = anchor;
    }
  }
  if (b.kind === 'cron' && (!b.dayOr || how.dayOr === 'explicit')) out.dayOr = b.dayOr;
  return out;
}

/** The stored form of a spelling (what the API's parse makes of it). */
function stored(s: Record<string, unknown>): Schedule {
  const out = { ...s };
  if (out.anchorDate !== undefined) out.anchorDate = new Date(out.anchorDate as string).toISOString();
  return out as Schedule;
}

describe('scheduleKey', () => {
  it('is equal for every spelling of a schedule and differs between schedules that fire differently', () => {
    fc.assert(
      fc.property(base, base, spelling, spelling, (a, b, howA, howB) => {
        const same = scheduleKey(stored(spelled(a, howA))) === scheduleKey(stored(spelled(b, howB)));
        const meaningA = spelled(a, { timezone: 'explicit', anchor: 'explicit', dayOr: 'explicit' });
        const meaningB = spelled(b, { timezone: 'explicit', anchor: 'explicit', dayOr: 'explicit' });
        expect(same).toBe(JSON.stringify(meaningA) === JSON.stringify(meaningB));
      }),
      { numRuns: 500 },
    );
  });
});

describe.each(DIALECTS)('schedule identity with defaults spelled out (%s)', (dialect) => {
  const { f, deploy, runsOf } = deploymentFixture(dialect);
  const claimOne = () =>
    f.db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 1, scheduledBefore: FAR });

  /** Deploys `first`, claims its first run early, redeploys `second`; the runs at the claimed instant. */
  async function redeployAfterClaim(name: string, first: unknown, second: unknown) {
    const d = await deploy({ name, schedules: [{ schedule: first }] });
    const [before] = await f.db.deployments.schedules.list(d.id);
    const [run] = await f.db.deployments.scheduleRuns(d.id, { max: 1 });
    const [claimed] = await claimOne();
    expect(claimed!.id).toBe(run!.id);
    await deploy({ name, schedules: [{ schedule: second }] });
    const [after] = await f.db.deployments.schedules.list(d.id);
    await f.db.deployments.scheduleRuns(d.id, { max: 1 });
    const at = run!.nextScheduledStartTime!.getTime();
    const runs = (await runsOf(d.id)).filter((r) => r.expectedStartTime!.getTime() === at);
    return { sameId: after!.id === before!.id, states: runs.map((r) => r.stateType) };
  }

  it.each([
    ['timezone UTC', { interval: 3600, timezone: 'UTC' }],
    ['the default anchor', { interval: 3600, anchorDate: '2020-01-01T00:00:00Z' }],
    ['timezone null', { interval: 3600, timezone: null }],
  ])('a redeploy spelling out %s keeps the schedule and its claimed run', async (_, second) => {
    expect(await redeployAfterClaim('d', { interval: 3600 }, second)).toEqual({
      sameId: true,
      states: ['PENDING'],
    });
  });

  it('a cron or rrule schedule with timezone UTC and dayOr true spelled out keeps its id', async () => {
    expect(
      await redeployAfterClaim(
        'c',
        { cron: '0 * * * *' },
        { cron: '0 * * * *', timezone: 'UTC', dayOr: true },
      ),
    ).toEqual({ sameId: true, states: ['PENDING'] });
    expect(
      await redeployAfterClaim('r', { rrule: 'FREQ=HOURLY', timezone: 'UTC' }, { rrule: 'FREQ=HOURLY' }),
    ).toEqual({ sameId: true, states: ['PENDING'] });
  });

  it('property: any two spellings of a schedule never schedule a claimed instant twice', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(base, spelling, spelling, async (b, first, second) => {
        const result = await redeployAfterClaim(`p${n++}`, spelled(b, first), spelled(b, second));
        expect(result).toEqual({ sameId: true, states: ['PENDING'] });
      }),
      { numRuns: dialect === 'sqlite' ? 40 : 20 },
    );
  }, 120_000);
});
