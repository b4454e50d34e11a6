import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, NotFoundError, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const HUGE = 'x'.repeat(1_000_001);
const NUL = 'bad\0name';
const MISSING = '0190a1b2-c3d4-7e5f-8a9b-000000000000';

describe.each(DIALECTS)('bad input is refused with a typed error and nothing written (%s)', (dialect) => {
  let db: Database;
  let flowId: string;
  let runId: string;
  let taskId: string;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    flowId = (await db.flows.create({ name: 'etl' })).id;
    runId = (await db.flowRuns.create({ flowId, state: { type: 'PENDING' } })).id;
    taskId = (await db.taskRuns.create({ flowRunId: runId, taskKey: 'k', dynamicKey: '0' })).id;
  });
  afterEach(async () => {
    await db.close();
  });

  /** Row counts of every table the runs touch, to prove nothing was written. */
  const snapshot = async () => {
    const out: Record<string, unknown> = {};
    for (const table of ['flow', 'flow_run', 'flow_run_state', 'task_run', 'task_run_state']) {
      out[table] = (await db.execute(`select id, updated from ${table} order by id`)).map((r) =>
        JSON.stringify(r),
      );
    }
    return out;
  };

  const cases: [string, () => Promise<unknown>][] = [
    ['flows.create without a name', () => db.flows.create({} as never)],
    ['flows.create with a number name', () => db.flows.create({ name: 42 } as never)],
    ['flows.create with an unknown field', () => db.flows.create({ name: 'x', colour: 'red' } as never)],
    ['flows.create with a NUL in the name', () => db.flows.create({ name: NUL })],
    ['flows.create with a 1 MB name', () => db.flows.create({ name: HUGE })],
    ['flows.create with a NUL in a tag', () => db.flows.create({ name: 'x', tags: [NUL] })],
    ['flows.get with a malformed id', () => db.flows.get("1' or '1'='1")],
    ['flows.getByName with an empty name', () => db.flows.getByName('')],
    ['flows.list with a negative limit', () => db.flows.list({ limit: -1 })],
    ['flows.list with a fractional offset', () => db.flows.list({ offset: 1.5 })],
    ['flows.list with an unknown sort', () => db.flows.list({ sort: 'RANDOM' as never })],
    ['flows.list with an unknown filter', () => db.flows.list({ where: { colour: {} } as never })],
    [
      'flows.count with an unknown operator',
      () => db.flows.count({ where: { name: { regex: '.*' } } as never }),
    ],
    ['flows.update with a wrong type', () => db.flows.update(flowId, { tags: 'a' } as never)],
    ['flows.update of the name', () => db.flows.update(flowId, { name: 'y' } as never)],
    ['flows.delete with a malformed id', () => db.flows.delete('nope')],
    ['flowRuns.create with a malformed flow id', () => db.flowRuns.create({ flowId: 'nope' })],
    [
      'flowRuns.create with a NUL inside JSON',
      () => db.flowRuns.create({ flowId, parameters: { a: { b: NUL } } }),
    ],
    [
      'flowRuns.create with a NUL in a JSON key',
      () => db.flowRuns.create({ flowId, parameters: { [NUL]: 1 } }),
    ],
    [
      'flowRuns.create with parameters that are a list',
      () => db.flowRuns.create({ flowId, parameters: [1] as never }),
    ],
    [
      'flowRuns.create with a function in JSON',
      () => db.flowRuns.create({ flowId, context: { f: () => 1 } as never }),
    ],
    [
      'flowRuns.create with an unknown state type',
      () => db.flowRuns.create({ flowId, state: { type: 'DONE' as never } }),
    ],
    [
      'flowRuns.create with a bad timestamp',
      () => db.flowRuns.create({ flowId, state: { type: 'RUNNING', timestamp: '2026-13-45' as never } }),
    ],
    [
      'flowRuns.create with a timestamp without offset',
      () =>
        db.flowRuns.create({ flowId, state: { type: 'RUNNING', timestamp: '2026-01-01T00:00:00' as never } }),
    ],
    [
      'flowRuns.create with an invalid Date',
      () => db.flowRuns.create({ flowId, state: { type: 'RUNNING', timestamp: new Date(Number.NaN) } }),
    ],
    ['flowRuns.create for a missing flow', () => db.flowRuns.create({ flowId: MISSING })],
    [
      'flowRuns.setState with an unknown field',
      () => db.flowRuns.setState(runId, { type: 'RUNNING', colour: 1 } as never),
    ],
    [
      'flowRuns.setState with a bad scheduledTime',
      () => db.flowRuns.setState(runId, { type: 'SCHEDULED', stateDetails: { scheduledTime: 'soon' } }),
    ],
    [
      'flowRuns.setState with a malformed expectedStateId',
      () => db.flowRuns.setState(runId, { type: 'RUNNING' }, { expectedStateId: 'x' }),
    ],
    [
      'flowRuns.setState with a NUL in the message',
      () => db.flowRuns.setState(runId, { type: 'RUNNING', message: NUL }),
    ],
    ['flowRuns.list with a negative offset', () => db.flowRuns.list({ offset: -5 })],
    [
      'flowRuns.list with a bad time filter',
      () => db.flowRuns.list({ where: { startTime: { before: 'yesterday' as never } } }),
    ],
    ['flowRuns.list with an unknown related filter', () => db.flowRuns.list({ artifact: {} } as never)],
    [
      'flowRuns.count with a wrong state type',
      () => db.flowRuns.count({ where: { state: { type: { any: ['DONE' as never] } } } }),
    ],
    [
      'flowRuns.countByState with a non-uuid',
      () => db.flowRuns.countByState({ where: { flowId: { any: ['x'] } } }),
    ],
    [
      'flowRuns.update with an unknown field',
      () => db.flowRuns.update(runId, { stateType: 'COMPLETED' } as never),
    ],
    ['flowRuns.update of a missing run', () => db.flowRuns.update(MISSING, { tags: [] })],
    ['flowRuns.states with a malformed id', () => db.flowRuns.states('1')],
    ['flowRuns.delete of a missing run', () => db.flowRuns.delete(MISSING)],
    [
      'taskRuns.create without a taskKey',
      () => db.taskRuns.create({ flowRunId: runId, dynamicKey: '0' } as never),
    ],
    [
      'taskRuns.create with a 1 MB dynamic key',
      () => db.taskRuns.create({ flowRunId: runId, taskKey: 'k', dynamicKey: HUGE }),
    ],
    ['taskRuns.update with a wrong type', () => db.taskRuns.update(taskId, { tags: [1] } as never)],
    ['taskRuns.setState with no type', () => db.taskRuns.setState(taskId, {} as never)],
    ['taskRuns.list with a huge limit', () => db.taskRuns.list({ limit: 1e12 })],
    ['taskRuns.count with an unknown filter', () => db.taskRuns.count({ where: { flowId: {} } } as never)],
    ['taskRuns.countByState with a wrong type', () => db.taskRuns.countByState({ where: 'all' } as never)],
    ['taskRuns.get with a number', () => db.taskRuns.get(7 as never)],
  ];

  it.each(cases)('%s', async (_label, call) => {
    const before = await snapshot();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(error instanceof ValidationError || error instanceof NotFoundError, String(error)).toBe(true);
    if (error instanceof ValidationError) expect(error.issues.length).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  });

  it('matches wildcard characters and SQL metacharacters literally', async () => {
    for (const name of ["o'brien; drop table flow; --", '100%', 'a_b', 'back\\slash']) {
      expect((await db.flows.create({ name })).name).toBe(name);
    }
    const like = async (text: string) =>
      (await db.flows.list({ where: { name: { like: text } } })).map((f) => f.name);
    expect(await like('%')).toEqual(['100%']);
    expect(await like('_')).toEqual(['a_b']);
    expect(await like('\\')).toEqual(['back\\slash']);
    expect(await like("'brien; DROP")).toEqual(["o'brien; drop table flow; --"]);
    expect(await db.flows.count()).toBe(5);
  });
});
