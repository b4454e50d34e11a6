/**
 * Boundary properties (docs/repositories.md "Input limits") for flows, flow runs and task runs, on
 * both dialects: valid inputs at their limits round-trip, invalid ones are a ValidationError and
 * write nothing. One database per dialect; each case makes its own rows.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { type Boundary, boundaryTests, defect, expectJson, jsonDefect } from './support/harness.js';
import { type StateCase, expectState, validState } from './support/states.js';
import { brokenString, longestName, overlongName, shortName } from './support/text.js';
import { invalidTime, jsonObjectDoc, validTime } from './support/values.js';

const SOLE = 2600;
const SHARED = 1300;

const tagList = fc.array(longestName(), { maxLength: 3 });
const labelMap = fc.dictionary(longestName(), longestName(), { maxKeys: 2 });
const badName = (cap?: number) => fc.oneof(overlongName(cap), brokenString(shortName), fc.constant(''));
const badText = brokenString(shortName);

describe.each(DIALECTS)('input limits: flows, flow runs, task runs (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let flowRunId: string;
  let taskRunId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'boundaries' })).id;
    flowRunId = (await db.flowRuns.create({ flowId })).id;
    taskRunId = (await db.taskRuns.create({ flowRunId, taskKey: 't', dynamicKey: '0' })).id;
  });
  afterAll(async () => {
    await db.close();
  });
  const getDb = () => db;

  const flowCreate = fc.record({ name: longestName(SOLE), tags: tagList, labels: labelMap });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'flows.create',
      valid: flowCreate,
      roundTrip: async (input) => {
        const created = await db.flows.create(input);
        const got = (await db.flows.get(created.id))!;
        expect(got.name).toBe(input.name);
        expect(got.tags).toEqual(input.tags);
        expectJson(got.labels, input.labels);
      },
      invalid: fc.oneof(
        defect(flowCreate, ['name'], badName(SOLE)),
        defect(flowCreate, ['tags', 0], badName()),
        defect(flowCreate, ['labels', 'k'], fc.oneof(badText, overlongName())),
      ),
      call: (input) => db.flows.create(input),
    }),
  );

  const flowUpdate = fc.record({ tags: tagList, labels: labelMap });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'flows.update',
      valid: flowUpdate,
      roundTrip: async (input) => {
        await db.flows.update(flowId, input);
        const got = (await db.flows.get(flowId))!;
        expect(got.tags).toEqual(input.tags);
        expectJson(got.labels, input.labels);
      },
      invalid: fc.oneof(
        defect(flowUpdate, ['tags', 1], badName()),
        defect(flowUpdate, ['labels', 'x'], badText),
      ),
      call: (input) => db.flows.update(flowId, input),
    }),
  );

  const textFilter = fc.record({
    any: fc.array(longestName(), { maxLength: 2 }),
    like: longestName(),
    startsWith: longestName(),
  });
  const timeFilter = fc.record({
    before: validTime.map((t) => t.input),
    after: validTime.map((t) => t.input),
  });
  const runWhere = fc.record({
    name: textFilter,
    tags: fc.record({ all: tagList, any: tagList }),
    idempotencyKey: textFilter,
    startTime: timeFilter,
    expectedStartTime: timeFilter,
    nextScheduledStartTime: timeFilter,
  });
  const runList = fc.record({
    where: runWhere,
    flow: fc.record({ name: textFilter }),
    limit: fc.constant(3),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'flowRuns.list (filters)',
      valid: runList,
      roundTrip: async (input) => {
        expect(Array.isArray(await db.flowRuns.list(input))).toBe(true);
        const { limit: _, ...query } = input;
        expect(typeof (await db.flowRuns.count(query))).toBe('number');
      },
      invalid: fc.oneof(
        defect(runList, ['where', 'name', 'like'], badName()),
        defect(runList, ['where', 'idempotencyKey', 'any', 0], badName()),
        defect(runList, ['where', 'startTime', 'before'], invalidTime),
        defect(runList, ['where', 'nextScheduledStartTime', 'after'], invalidTime),
      ),
      call: (input) => db.flowRuns.list(input),
    }),
  );

  const flowRunCreate = fc.record({
    name: longestName(SOLE),
    idempotencyKey: longestName(SOLE),
    flowVersion: longestName(),
    deploymentVersion: longestName(),
    workQueueName: longestName(),
    infrastructurePid: longestName(),
    parameters: jsonObjectDoc,
    context: jsonObjectDoc,
    jobVariables: jsonObjectDoc,
    createdBy: jsonObjectDoc,
    tags: tagList,
    labels: labelMap,
    state: validState,
  });
  const JSON_FIELDS = ['parameters', 'context', 'jobVariables', 'createdBy'] as const;
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'flowRuns.create',
      valid: flowRunCreate,
      roundTrip: async ({ state, ...fields }) => {
        const created = await db.flowRuns.create({ flowId, ...fields, state: (state as StateCase).input });
        const got = (await db.flowRuns.get(created.id))!;
        for (const key of [
          'name',
          'idempotencyKey',
          'flowVersion',
          'deploymentVersion',
          'workQueueName',
        ] as const)
          expect(got[key]).toBe(fields[key]);
        expect(got.infrastructurePid).toBe(fields.infrastructurePid);
        expect(got.tags).toEqual(fields.tags);
        for (const key of ['parameters', 'context', 'jobVariables', 'labels'] as const) {
          expectJson(got[key], fields[key]);
        }
        // createdBy is JSON the library interprets (jsonb on PostgreSQL): equal values, any key order.
        if (fields.createdBy !== undefined)
          expect(got.createdBy).toEqual(JSON.parse(JSON.stringify(fields.createdBy)));
        const [stored] = await db.flowRuns.states(created.id);
        expect(got.stateName).toBe(state.input.name);
        expectState(stored!, state, { flowRunId: created.id });
      },
      invalid: fc
        .oneof(
          defect(flowRunCreate, ['name'], badName(SOLE)),
          defect(flowRunCreate, ['idempotencyKey'], badName(SOLE)),
          defect(flowRunCreate, ['flowVersion'], badName()),
          defect(flowRunCreate, ['state', 'input', 'name'], badName(SOLE)),
          defect(flowRunCreate, ['state', 'input', 'message'], badText),
          defect(flowRunCreate, ['state', 'input', 'timestamp'], invalidTime),
          defect(flowRunCreate, ['state', 'input', 'stateDetails', 'scheduledTime'], invalidTime),
          defect(flowRunCreate, ['state', 'input', 'stateDetails', 'pauseTimeout'], invalidTime),
          jsonDefect(flowRunCreate, ['state', 'input', 'stateDetails']),
          jsonDefect(flowRunCreate, ['state', 'input', 'data']),
          ...JSON_FIELDS.map((field) => jsonDefect(flowRunCreate, [field])),
        )
        .map((c) => ({ ...c, path: c.path.replace('state.input.', 'state.') })),
      call: ({ state, ...fields }) => db.flowRuns.create({ flowId, ...fields, state: state.input }),
    }),
  );

  const flowRunUpdate = fc.record({
    name: longestName(SOLE),
    flowVersion: longestName(),
    parameters: jsonObjectDoc,
    context: jsonObjectDoc,
    jobVariables: jsonObjectDoc,
    tags: tagList,
    labels: labelMap,
    infrastructurePid: longestName(),
    workQueueName: longestName(),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'flowRuns.update',
      valid: flowRunUpdate,
      roundTrip: async (input) => {
        await db.flowRuns.update(flowRunId, input);
        const got = (await db.flowRuns.get(flowRunId))!;
        expect(got.name).toBe(input.name);
        expect(got.workQueueName).toBe(input.workQueueName);
        for (const key of ['parameters', 'context', 'jobVariables', 'labels'] as const)
          expectJson(got[key], input[key]);
      },
      invalid: fc.oneof(
        defect(flowRunUpdate, ['name'], badName(SOLE)),
        defect(flowRunUpdate, ['workQueueName'], badName()),
        jsonDefect(flowRunUpdate, ['parameters']),
        jsonDefect(flowRunUpdate, ['jobVariables']),
      ),
      call: (input) => db.flowRuns.update(flowRunId, input),
    }),
  );

  boundaryTests(
    getDb,
    (): Boundary<StateCase> => ({
      method: 'flowRuns.setState',
      valid: validState,
      roundTrip: async (c) => {
        const run = await db.flowRuns.create({ flowId });
        const { state } = await db.flowRuns.setState(run.id, c.input);
        const [stored] = await db.flowRuns.states(run.id);
        expect(stored!.id).toBe(state.id);
        expectState(stored!, c, { flowRunId: run.id });
      },
      invalid: fc
        .oneof(
          defect(validState, ['input', 'name'], badName(SOLE)),
          defect(validState, ['input', 'timestamp'], invalidTime),
          defect(validState, ['input', 'stateDetails', 'cacheExpiration'], invalidTime),
          jsonDefect(validState, ['input', 'data']),
        )
        .map((c) => ({ ...c, path: c.path.replace('input.', '') })),
      call: (c) => db.flowRuns.setState(flowRunId, c.input),
    }),
  );

  const taskRunCreate = fc.record({
    taskKey: longestName(SHARED),
    dynamicKey: longestName(SHARED),
    name: longestName(SOLE),
    cacheKey: longestName(),
    cacheExpiration: validTime,
    taskVersion: longestName(),
    taskInputs: jsonObjectDoc,
    tags: tagList,
    labels: labelMap,
    state: validState,
    background: fc.boolean(),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'taskRuns.create',
      valid: taskRunCreate,
      roundTrip: async ({ state, cacheExpiration, background, ...fields }) => {
        const created = await db.taskRuns.create({
          ...fields,
          flowRunId: background ? null : flowRunId,
          cacheExpiration: cacheExpiration.input,
          state: state.input,
        });
        const got = (await db.taskRuns.get(created.id))!;
        for (const key of ['taskKey', 'dynamicKey', 'name', 'cacheKey', 'taskVersion'] as const)
          expect(got[key]).toBe(fields[key]);
        expect(got.cacheExpiration?.getTime()).toBe(cacheExpiration.ms);
        expectJson(got.taskInputs, fields.taskInputs);
        expectJson(got.labels, fields.labels);
        const [stored] = await db.taskRuns.states(created.id);
        expectState(stored!, state, {
          flowRunId: background ? null : flowRunId,
          taskRunId: created.id,
        });
      },
      invalid: fc
        .oneof(
          defect(taskRunCreate, ['taskKey'], badName(SHARED)),
          defect(taskRunCreate, ['dynamicKey'], badName(SHARED)),
          defect(taskRunCreate, ['name'], badName(SOLE)),
          defect(taskRunCreate, ['cacheKey'], badName()),
          defect(taskRunCreate, ['cacheExpiration', 'input'], invalidTime),
          defect(taskRunCreate, ['state', 'input', 'timestamp'], invalidTime),
          jsonDefect(taskRunCreate, ['taskInputs']),
        )
        .map((c) => ({ ...c, path: c.path.replace('state.input.', 'state.').replace('.input', '') })),
      call: ({ state, cacheExpiration, background, ...fields }) =>
        db.taskRuns.create({
          ...fields,
          flowRunId: background ? null : flowRunId,
          cacheExpiration: cacheExpiration.input,
          state: state.input,
        }),
    }),
  );

  const taskRunUpdate = fc.record({
    name: longestName(SOLE),
    cacheKey: longestName(),
    cacheExpiration: validTime,
    taskInputs: jsonObjectDoc,
    labels: labelMap,
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'taskRuns.update',
      valid: taskRunUpdate,
      roundTrip: async ({ cacheExpiration, ...fields }) => {
        await db.taskRuns.update(taskRunId, { ...fields, cacheExpiration: cacheExpiration.input });
        const got = (await db.taskRuns.get(taskRunId))!;
        expect(got.name).toBe(fields.name);
        expect(got.cacheExpiration?.getTime()).toBe(cacheExpiration.ms);
        expectJson(got.taskInputs, fields.taskInputs);
      },
      invalid: fc
        .oneof(
          defect(taskRunUpdate, ['name'], badName(SOLE)),
          defect(taskRunUpdate, ['cacheExpiration', 'input'], invalidTime),
          jsonDefect(taskRunUpdate, ['taskInputs']),
        )
        .map((c) => ({ ...c, path: c.path.replace('.input', '') })),
      call: ({ cacheExpiration, ...fields }) =>
        db.taskRuns.update(taskRunId, { ...fields, cacheExpiration: cacheExpiration.input }),
    }),
  );

  boundaryTests(
    getDb,
    (): Boundary<StateCase> => ({
      method: 'taskRuns.setState',
      valid: validState,
      roundTrip: async (c) => {
        const task = await db.taskRuns.create({ taskKey: `k${Math.random()}`, dynamicKey: '0' });
        await db.taskRuns.setState(task.id, c.input);
        const [stored] = await db.taskRuns.states(task.id);
        expectState(stored!, c, { taskRunId: task.id });
      },
      invalid: fc
        .oneof(
          defect(validState, ['input', 'name'], badName(SOLE)),
          defect(validState, ['input', 'stateDetails', 'scheduledTime'], invalidTime),
          jsonDefect(validState, ['input', 'stateDetails']),
        )
        .map((c) => ({ ...c, path: c.path.replace('input.', '') })),
      call: (c) => db.taskRuns.setState(taskRunId, c.input),
    }),
  );

  const taskList = fc.record({
    where: fc.record({ name: textFilter, taskKey: textFilter, startTime: timeFilter, endTime: timeFilter }),
    limit: fc.constant(3),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'taskRuns.list (filters)',
      valid: taskList,
      roundTrip: async (input) => {
        expect(Array.isArray(await db.taskRuns.list(input))).toBe(true);
      },
      invalid: fc.oneof(
        defect(taskList, ['where', 'taskKey', 'startsWith'], badName()),
        defect(taskList, ['where', 'endTime', 'before'], invalidTime),
      ),
      call: (input) => db.taskRuns.list(input),
    }),
  );

  const flowList = fc.record({ where: fc.record({ name: textFilter, tags: fc.record({ any: tagList }) }) });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'flows.list (filters)',
      valid: flowList,
      roundTrip: async (input) => {
        expect(Array.isArray(await db.flows.list(input))).toBe(true);
      },
      invalid: defect(flowList, ['where', 'name', 'any', 0], badName()),
      call: (input) => db.flows.list(input),
    }),
  );
});
