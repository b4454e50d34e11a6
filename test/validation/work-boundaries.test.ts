/**
 * Boundary properties (docs/repositories.md "Input limits") for deployments, their schedules, work
 * pools, queues, workers and claiming, on both dialects: valid inputs at their limits round-trip,
 * invalid ones are a ValidationError and write nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Database } from '../../src/index.js';
import { CRON_SHORTCUTS } from '../../src/repositories/schedules.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { type Boundary, boundaryTests, defect, expectJson, jsonDefect } from './support/harness.js';
import { longText } from './support/states.js';
import { brokenString, longestName, overlongName, prng, shortName, textOfBytes } from './support/text.js';
import {
  MAX_MS,
  MIN_MS,
  invalidAnchor,
  invalidTime,
  isoAt,
  jsonDoc,
  jsonObjectDoc,
  validTime,
} from './support/values.js';

const SOLE = 2600;
const tagList = fc.array(longestName(), { maxLength: 3 });
const labelMap = fc.dictionary(longestName(), longestName(), { maxKeys: 2 });
const badName = (cap?: number) => fc.oneof(overlongName(cap), brokenString(shortName), fc.constant(''));
const badText = brokenString(shortName);

/**
 * Interval schedules with every accepted anchor: a time with an offset, or wall-clock time without
 * one in a fixed-offset zone (Etc/GMT+5 is UTC-05:00), whose instant is known here.
 */
const intervalSchedule = fc
  .tuple(validTime, fc.boolean(), fc.integer({ min: 1, max: 86_400 * 30 }))
  .map(([t, naive, interval]) => {
    if (!naive) return { schedule: { interval, anchorDate: t.input }, ms: t.ms };
    const ms = Math.max(MIN_MS + 5 * 3_600_000, Math.min(t.ms, MAX_MS));
    const wall = isoAt(ms - 5 * 3_600_000, 0, 'millis').replace(/Z$/, '');
    return { schedule: { interval, anchorDate: wall, timezone: 'Etc/GMT+5' }, ms };
  });
/** The instant each generated schedule's anchor stands for, by slug (slugs are random, unique). */
const anchorMs = new Map<string, number>();
const scheduleInput = fc
  .record({ s: intervalSchedule, parameters: jsonObjectDoc, slug: longestName(SOLE), active: fc.boolean() })
  .map(({ s, ...rest }): any => {
    anchorMs.set(rest.slug, s.ms);
    return { schedule: s.schedule, ...rest };
  });
const expectedAnchor = (slug: string) => new Date(anchorMs.get(slug)!).toISOString();

describe.each(DIALECTS)(
  'input limits: deployments, schedules, work pools, queues, workers (%s)',
  (dialect) => {
    let db: Database;
    let flowId: string;
    let deploymentId: string;
    let scheduleId: string;
    let poolName: string;
    let queueName: string;
    beforeAll(async () => {
      db = await createTestDatabase({ dialect });
      flowId = (await db.flows.create({ name: 'boundaries' })).id;
      deploymentId = (await db.deployments.upsert({ flowId, name: 'd' })).id;
      scheduleId = (await db.deployments.schedules.create(deploymentId, [{ schedule: { interval: 60 } }]))[0]!
        .id;
      // The pool every queue and worker case uses has a name at its cap, in 3-byte characters.
      poolName = textOfBytes(prng(7), SOLE, 1024, 3);
      await db.workPools.create({ name: poolName });
      queueName = textOfBytes(prng(8), SOLE, 1024, 4);
      await db.workQueues.create({ workPoolName: poolName, name: queueName });
    });
    afterAll(async () => {
      await db.close();
    });
    const getDb = () => db;
    /**
     * A deployment's queue name must name a queue of its pool (docs/work.md): the generated one is
     * made, in a pool of its own (the queue cases below would get slower with hundreds more queues).
     */
    const DEPLOYMENT_POOL = 'deployment-queues';
    const ensureQueue = async (name: string) => {
      if (!(await db.workPools.getByName(DEPLOYMENT_POOL)))
        await db.workPools.create({ name: DEPLOYMENT_POOL });
      if (!(await db.workQueues.getByName(DEPLOYMENT_POOL, name)))
        await db.workQueues.create({ workPoolName: DEPLOYMENT_POOL, name });
    };

    const deploymentFields = {
      version: longestName(),
      description: longText,
      workQueueName: longestName(SOLE),
      path: longText,
      entrypoint: longText,
      parameters: jsonObjectDoc,
      // Objects only (a JSON Schema); their random keys are annotations to Ajv (strict mode off).
      parameterOpenapiSchema: jsonObjectDoc,
      jobVariables: jsonObjectDoc,
      pullSteps: jsonDoc,
      tags: tagList,
      labels: labelMap,
      createdBy: fc.record({ id: longestName(), type: longestName(), displayValue: longestName() }),
    };
    const JSON_KEYS = [
      'parameters',
      'parameterOpenapiSchema',
      'jobVariables',
      'pullSteps',
      'labels',
    ] as const;
    const upsert = fc.record({
      name: longestName(SOLE),
      ...deploymentFields,
      schedules: fc.array(scheduleInput, { maxLength: 2 }),
    });
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'deployments.upsert',
        valid: upsert,
        roundTrip: async ({ schedules, ...fields }) => {
          await ensureQueue(fields.workQueueName);
          const created = await db.deployments.upsert({
            flowId,
            workPoolName: DEPLOYMENT_POOL,
            ...fields,
            schedules,
          });
          const got = (await db.deployments.get(created.id))!;
          for (const key of [
            'name',
            'version',
            'description',
            'workQueueName',
            'path',
            'entrypoint',
          ] as const)
            expect(got[key]).toBe(fields[key]);
          expect(got.tags).toEqual(fields.tags);
          expect(got.createdBy).toEqual(fields.createdBy);
          for (const key of JSON_KEYS) expectJson(got[key], fields[key]);
          const stored = await db.deployments.schedules.list(created.id);
          expect(stored).toHaveLength(schedules.length);
          for (const s of schedules) {
            const match = stored.find((row) => row.slug === s.slug)!;
            expect((match.schedule as { anchorDate: string }).anchorDate).toBe(expectedAnchor(s.slug));
            expectJson(match.parameters, s.parameters);
          }
        },
        invalid: fc
          .oneof(
            defect(upsert, ['name'], badName(SOLE)),
            defect(upsert, ['workQueueName'], badName(SOLE)),
            defect(upsert, ['version'], badName()),
            defect(upsert, ['parameterOpenapiSchema'], fc.constantFrom([], 5, 'x', true, { type: 'nope' })),
            defect(upsert, ['description'], badText),
            defect(upsert, ['createdBy', 'displayValue'], badName()),
            defect(upsert, ['schedules', 0, 'slug'], badName(SOLE)),
            defect(
              upsert,
              ['schedules', 0, 'schedule'],
              invalidAnchor.map((t) => ({ interval: 60, anchorDate: t })),
            ),
            ...JSON_KEYS.filter((k) => k !== 'labels').map((k) => jsonDefect(upsert, [k])),
          )
          .map((c) => ({ ...c, path: c.path.replace(/schedule$/, 'schedule.anchorDate') })),
        call: (fields) => db.deployments.upsert({ flowId, ...fields }),
      }),
    );

    const update = fc.record(deploymentFields);
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'deployments.update',
        valid: update,
        roundTrip: async (input) => {
          await ensureQueue(input.workQueueName);
          await db.deployments.update(deploymentId, { workPoolName: DEPLOYMENT_POOL, ...input });
          const got = (await db.deployments.get(deploymentId))!;
          expect(got.workQueueName).toBe(input.workQueueName);
          expect(got.entrypoint).toBe(input.entrypoint);
          for (const key of JSON_KEYS) expectJson(got[key], input[key]);
        },
        invalid: fc.oneof(
          defect(update, ['workQueueName'], badName(SOLE)),
          defect(update, ['entrypoint'], badText),
          jsonDefect(update, ['jobVariables']),
          jsonDefect(update, ['pullSteps']),
        ),
        call: (input) => db.deployments.update(deploymentId, input),
      }),
    );

    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'deployments.schedules.create / update',
        valid: fc.tuple(scheduleInput, scheduleInput),
        roundTrip: async ([first, second]) => {
          const [created] = await db.deployments.schedules.create(deploymentId, [first]);
          expect((created!.schedule as { anchorDate: string }).anchorDate).toBe(expectedAnchor(first.slug));
          const updated = await db.deployments.schedules.update(deploymentId, created!.id, second);
          const stored = (await db.deployments.schedules.list(deploymentId)).find(
            (s) => s.id === created!.id,
          )!;
          expect(stored).toEqual(updated);
          expect(stored.slug).toBe(second.slug);
          expect((stored.schedule as { anchorDate: string }).anchorDate).toBe(expectedAnchor(second.slug));
          expectJson(stored.parameters, second.parameters);
          await db.deployments.schedules.delete(deploymentId, created!.id);
        },
        invalid: fc.oneof(
          defect(scheduleInput, ['slug'], badName(SOLE)),
          defect(scheduleInput, ['schedule', 'anchorDate'], invalidAnchor),
          defect(scheduleInput, ['schedule', 'timezone'], badText),
          jsonDefect(scheduleInput, ['parameters']),
        ),
        call: (input) => db.deployments.schedules.update(deploymentId, scheduleId, input),
      }),
    );

    /**
     * rrule schedules up to Prefect's 6,500 characters (a rule and RDATEs, padded to the exact
     * length with a trailing RDATE list), and cron shortcuts, in random zones.
     */
    const rruleText = fc
      .record({
        rule: fc.constantFrom('FREQ=DAILY;BYHOUR=9', 'FREQ=WEEKLY;BYDAY=MO,WE,FR', 'FREQ=MONTHLY;BYDAY=-1FR'),
        dates: fc.integer({ min: 0, max: 380 }),
        atLimit: fc.boolean(),
      })
      .map(({ rule, dates, atLimit }) => {
        let text = `RRULE:${rule}`;
        const stamps = Array.from(
          { length: dates },
          (_, i) => `2026${String((i % 12) + 1).padStart(2, '0')}01T0${i % 10}0000`,
        );
        if (stamps.length > 0) text += `\nRDATE:${stamps.join(',')}`;
        if (atLimit) {
          // Whole RDATEs up to the limit, then trailing blank lines (the parser skips them).
          text += '\nRDATE:20270101T000000';
          while (text.length + 16 <= 6500) text += ',20270101T000000';
          text = text.padEnd(6500, '\n');
        }
        return text;
      });
    const kindSchedule = fc.oneof(
      fc.record({ rrule: rruleText, timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York') }),
      fc.record({
        cron: fc.constantFrom(...CRON_SHORTCUTS),
      }),
    );
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'deployments.schedules.create (rrule, cron shortcuts)',
        valid: kindSchedule,
        roundTrip: async (schedule) => {
          const [created] = await db.deployments.schedules.create(deploymentId, [{ schedule }]);
          expect(created!.schedule).toEqual(schedule);
          await db.deployments.schedules.delete(deploymentId, created!.id);
        },
        invalid: fc.oneof(
          fc.constant({
            input: { rrule: `FREQ=DAILY;${'BYHOUR=1;'.repeat(800)}` },
            path: 'schedule',
            says: /6500/,
          }),
          fc
            .constantFrom('BYHOUR=24', 'BYMINUTE=60', 'BYMONTH=13', 'BYMONTHDAY=0', 'INTERVAL=0', 'COUNT=0')
            .map((part) => ({ input: { rrule: `FREQ=DAILY;${part}` }, path: 'schedule', says: /rrule/ })),
          fc
            .constantFrom('@reboot', '@fortnightly', '@')
            .map((cron) => ({ input: { cron }, path: 'schedule', says: /cron shortcut/ })),
        ),
        call: (schedule) => db.deployments.schedules.create(deploymentId, [{ schedule }]),
      }),
    );

    const deploymentList = fc.record({
      where: fc.record({
        name: fc.record({ any: tagList, like: longestName() }),
        flowOrDeploymentName: fc.record({ like: longestName() }),
        workQueueName: fc.record({ startsWith: longestName() }),
      }),
    });
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'deployments.list (filters)',
        valid: deploymentList,
        roundTrip: async (input) => {
          expect(Array.isArray(await db.deployments.list(input))).toBe(true);
        },
        invalid: defect(deploymentList, ['where', 'flowOrDeploymentName', 'like'], badName()),
        call: (input) => db.deployments.list(input),
      }),
    );

    const poolCreate = fc.record({
      name: longestName(SOLE),
      type: longestName(SOLE),
      description: longText,
      baseJobTemplate: jsonObjectDoc,
      storageConfiguration: jsonObjectDoc,
    });
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'workPools.create / update',
        valid: fc.tuple(poolCreate, poolCreate),
        roundTrip: async ([input, patch]) => {
          const created = await db.workPools.create(input);
          let got = (await db.workPools.get(created.id))!;
          expect(got.name).toBe(input.name);
          expect(got.type).toBe(input.type);
          expect(got.description).toBe(input.description);
          expectJson(got.baseJobTemplate, input.baseJobTemplate);
          expectJson(got.storageConfiguration, input.storageConfiguration);
          expect(await db.workPools.getByName(input.name)).toEqual(got);
          const { name: _n, type: _t, ...changes } = patch;
          await db.workPools.update(created.id, changes);
          got = (await db.workPools.get(created.id))!;
          expect(got.description).toBe(changes.description);
          expectJson(got.baseJobTemplate, changes.baseJobTemplate);
        },
        invalid: fc
          .oneof(
            defect(poolCreate, ['name'], badName(SOLE)),
            defect(poolCreate, ['type'], badName(SOLE)),
            defect(poolCreate, ['description'], badText),
            jsonDefect(poolCreate, ['baseJobTemplate']),
            jsonDefect(poolCreate, ['storageConfiguration']),
          )
          .map((c) => ({ ...c, input: [c.input, c.input] as [any, any] })),
        call: ([input]) => db.workPools.create(input),
      }),
    );

    const poolList = fc.record({
      where: fc.record({
        name: fc.record({ any: tagList, startsWith: longestName() }),
        type: fc.record({ like: longestName() }),
      }),
    });
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'workPools.list (filters)',
        valid: poolList,
        roundTrip: async (input) => {
          expect(Array.isArray(await db.workPools.list(input))).toBe(true);
        },
        invalid: defect(poolList, ['where', 'type', 'like'], badName()),
        call: (input) => db.workPools.list(input),
      }),
    );

    const queueInput = fc.record({
      name: longestName(SOLE),
      description: longText,
      priority: fc.integer({ min: 1, max: 5 }),
    });
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'workQueues.create / update',
        valid: fc.tuple(queueInput, queueInput),
        roundTrip: async ([input, patch]) => {
          const created = await db.workQueues.create({ workPoolName: poolName, ...input });
          expect((await db.workQueues.getByName(poolName, input.name))?.id).toBe(created.id);
          await db.workQueues.update(created.id, { name: patch.name, description: patch.description });
          const got = (await db.workQueues.get(created.id))!;
          expect(got.name).toBe(patch.name);
          expect(got.description).toBe(patch.description);
          await db.workQueues.delete(created.id);
        },
        invalid: fc.oneof(
          defect(queueInput, ['name'], badName(SOLE)),
          defect(queueInput, ['description'], badText),
          defect(queueInput, ['workPoolName'], badName(SOLE)),
        ),
        call: (input) => db.workQueues.create({ workPoolName: poolName, ...input }),
      }),
    );

    const heartbeat = fc.record({ name: longestName(SOLE) });
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'workers.heartbeat',
        valid: heartbeat,
        roundTrip: async ({ name }) => {
          const worker = await db.workers.heartbeat({ workPoolName: poolName, name });
          expect(worker.name).toBe(name);
          const listed = await db.workers.list(poolName);
          expect(listed.find((w) => w.id === worker.id)?.name).toBe(name);
        },
        invalid: fc.oneof(
          defect(heartbeat, ['name'], badName(SOLE)),
          defect(heartbeat, ['workPoolName'], badName(SOLE)),
        ),
        call: (input) => db.workers.heartbeat({ workPoolName: poolName, ...input }),
      }),
    );

    const claim = fc.record({
      workQueueNames: fc.constantFrom<string[]>([], ['default']),
      workerName: longestName(SOLE),
      scheduledBefore: validTime.map((t) => t.input),
    });
    boundaryTests(
      getDb,
      (): Boundary<any> => ({
        method: 'workQueues.claimScheduledRuns',
        valid: claim,
        roundTrip: async (input) => {
          // The pool's queues have names at the cap; a name of no queue is a NotFoundError, not a limit.
          // No names: left out (every queue), since an empty list is refused.
          const workQueueNames = input.workQueueNames.length
            ? [queueName, ...input.workQueueNames]
            : undefined;
          const runs = await db.workQueues.claimScheduledRuns({
            workPoolName: poolName,
            limit: 1,
            ...input,
            workQueueNames,
          });
          expect(runs).toEqual([]);
        },
        invalid: fc.oneof(
          defect(claim, ['workQueueNames', 0], badName(SOLE)),
          defect(claim, ['workerName'], badName(SOLE)),
          defect(claim, ['scheduledBefore'], invalidTime),
        ),
        call: (input) => db.workQueues.claimScheduledRuns({ workPoolName: poolName, limit: 1, ...input }),
      }),
    );
  },
);
