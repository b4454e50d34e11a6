/**
 * Inputs a fresh-user trial found misreported, on both dialects: an rrule WKST that is not a
 * weekday (the rrule library dropped it silently), a cron number outside its field (croner's message
 * named its own internal value, `Invalid value for day: -1`), and a required whole number left out
 * (`claimScheduledRuns` without `limit` read "must be a whole number"). Properties: every WKST that
 * is not a weekday is refused, every weekday in any case accepted; every number outside a cron
 * field's values is refused naming the field and the number as written.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const RUNS = 25;
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

/** Numbers outside a field's values: below (where there is room) or above. */
const outsideOf = ({ min, max }: { min: number; max: number }) => {
  const above = fc.integer({ min: max + 1, max: 999 });
  return min > 0 ? fc.oneof(fc.integer({ min: 0, max: min - 1 }), above) : above;
};

describe.each(DIALECTS)('inputs from a trial (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let n = 0;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'etl' })).id;
  });
  afterAll(async () => {
    await db.close();
  });
  /** Upserts a deployment with this schedule: undefined when accepted, else the error. */
  const tryUpsert = (schedule: Record<string, unknown>) =>
    db.deployments
      .upsert({ flowId, name: `d${++n}`, schedules: [{ schedule: schedule as { rrule: string } }] })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );

  it('an rrule WKST that is not a weekday is a ValidationError; a weekday in any case is accepted', async () => {
    const error = await tryUpsert({ rrule: 'FREQ=DAILY;WKST=XX' });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.message).toContain('rrule WKST must be one of MO, TU, WE, TH, FR, SA, SU (got "XX")');
    const notWeekday = fc
      .stringMatching(/^[A-Za-z0-9]{0,3}$/)
      .filter((s) => !WEEKDAYS.includes(s.toUpperCase()));
    await fc.assert(
      fc.asyncProperty(notWeekday, fc.boolean(), async (value, inSet) => {
        const rule = `FREQ=WEEKLY;WKST=${value};BYDAY=MO`;
        const refused = await tryUpsert({ rrule: inSet ? `DTSTART:20260101T000000\nRRULE:${rule}` : rule });
        expect(refused).toBeInstanceOf(ValidationError);
        expect(refused!.message).toContain(`(got "${value}")`);
      }),
      { numRuns: RUNS },
    );
    for (const day of WEEKDAYS) {
      expect(await tryUpsert({ rrule: `FREQ=WEEKLY;WKST=${day.toLowerCase()};BYDAY=MO` })).toBeUndefined();
    }
  });

  it('a cron number outside its field is refused naming the field and the number written', async () => {
    const error = await tryUpsert({ cron: '0 0 0 * *' });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.message).toContain('cron "0 0 0 * *" is not valid: day of month 0 is out of range 1-31');
    const outside = fc.integer({ min: 0, max: 4 }).chain((i) =>
      fc.record({
        i: fc.constant(i),
        value: outsideOf(FIELDS[i]!),
        form: fc.constantFrom('alone', 'range', 'list', 'step'),
      }),
    );
    await fc.assert(
      fc.asyncProperty(outside, async ({ i, value, form }) => {
        const { name, min, max } = FIELDS[i]!;
        const written = {
          alone: `${value}`,
          range: `${min}-${value}`,
          list: `${min},${value}`,
          step: `${value}/2`,
        }[form];
        const fields = ['*', '*', '*', '*', '*'];
        fields[i] = written;
        const refused = await tryUpsert({ cron: fields.join(' ') });
        expect(refused).toBeInstanceOf(ValidationError);
        expect(refused!.message).toContain(`${name} ${value} is out of range ${min}-${max}`);
      }),
      { numRuns: RUNS },
    );
    expect(await tryUpsert({ cron: '0 0 1 1 7' })).toBeUndefined();
  });

  it('claimScheduledRuns without limit says the field is required', async () => {
    const missing = await db.workQueues
      .claimScheduledRuns({ workPoolName: 'pool' } as Parameters<
        Database['workQueues']['claimScheduledRuns']
      >[0])
      .catch((e) => e);
    expect(missing).toBeInstanceOf(ValidationError);
    expect(missing.message).toContain('limit: is required (a whole number from 0 to 10,000)');
    const wrong = await db.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: -1 }).catch((e) => e);
    expect(wrong.message).toContain('limit: must be a whole number from 0 to 10,000');
  });
});
