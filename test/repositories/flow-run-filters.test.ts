/**
 * Filters and sorts checked against an in-memory model: a few hundred random runs, random filters
 * over every operator, on both dialects.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  type FlowRun,
  type FlowRunWhere,
  type RunSort,
  STATE_TYPES,
} from '../../src/index.js';
import { RUN_SORTS } from '../../src/repositories/run-base.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const RUNS = 240;
const TAGS = ['a', 'b', 'c', 'd'];
const WORDS = ['Alpha', 'beta', 'GAMMA', 'de%lta', 'ep_silon', 'zeta\\x', 'eta'];
const SORTS: RunSort[] = [...RUN_SORTS];
const BASE = Date.UTC(2026, 2, 1);
const at = (minutes: number) => new Date(BASE + minutes * 60_000);

/** A deterministic pseudo-random sequence for the data set (fast-check drives the filters). */
function prng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

type Time = { before?: Date; after?: Date; isNull?: boolean };
const lower = (s: string) => s.toLowerCase();

function matchTime(value: Date | null, f: Time | undefined): boolean {
  if (!f) return true;
  if (f.isNull !== undefined && (value === null) !== f.isNull) return false;
  if (f.before && (value === null || value > f.before)) return false;
  if (f.after && (value === null || value < f.after)) return false;
  return true;
}

function matchText(
  value: string | null,
  f: { any?: string[]; notAny?: string[]; like?: string; startsWith?: string; isNull?: boolean } | undefined,
): boolean {
  if (!f) return true;
  if (f.any && (value === null || !f.any.includes(value))) return false;
  if (f.notAny && f.notAny.length > 0 && (value === null || f.notAny.includes(value))) return false;
  if (f.like !== undefined && (value === null || !lower(value).includes(lower(f.like)))) return false;
  if (f.startsWith !== undefined && (value === null || !lower(value).startsWith(lower(f.startsWith))))
    return false;
  if (f.isNull !== undefined && (value === null) !== f.isNull) return false;
  return true;
}

function matches(run: FlowRun, w: FlowRunWhere): boolean {
  if (!matchText(run.id, w.id as never)) return false;
  if (!matchText(run.name, w.name)) return false;
  if (w.tags?.all && !w.tags.all.every((t) => run.tags.includes(t))) return false;
  if (w.tags?.any && !w.tags.any.some((t) => run.tags.includes(t))) return false;
  if (w.tags?.isNull !== undefined && (run.tags.length === 0) !== w.tags.isNull) return false;
  if (!matchText(run.stateType, w.state?.type as never)) return false;
  if (!matchText(run.stateName, w.state?.name)) return false;
  if (!matchText(run.flowId, w.flowId as never)) return false;
  if (!matchText(run.flowVersion, w.flowVersion)) return false;
  if (!matchText(run.workQueueName, w.workQueueName)) return false;
  if (!matchText(run.idempotencyKey, w.idempotencyKey)) return false;
  if (!matchTime(run.startTime, w.startTime as Time)) return false;
  if (!matchTime(run.endTime, w.endTime as Time)) return false;
  if (!matchTime(run.expectedStartTime, w.expectedStartTime as Time)) return false;
  if (!matchTime(run.nextScheduledStartTime, w.nextScheduledStartTime as Time)) return false;
  return true;
}

function sortKey(run: FlowRun, sort: RunSort): string | number | null {
  switch (sort) {
    case 'ID_DESC':
      return run.id;
    case 'START_TIME_ASC':
    case 'START_TIME_DESC':
      return (run.startTime ?? run.expectedStartTime)?.getTime() ?? null;
    case 'EXPECTED_START_TIME_ASC':
    case 'EXPECTED_START_TIME_DESC':
      return run.expectedStartTime?.getTime() ?? null;
    case 'NAME_ASC':
    case 'NAME_DESC':
      return run.name;
    case 'NEXT_SCHEDULED_START_TIME_ASC':
      return run.nextScheduledStartTime?.getTime() ?? null;
    case 'END_TIME_DESC':
      return run.endTime?.getTime() ?? null;
  }
}

/** NULLs last in both directions, ties broken by id in the same direction. */
function modelSort(runs: FlowRun[], sort: RunSort): FlowRun[] {
  const dir = sort.endsWith('_DESC') ? -1 : 1;
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...runs].sort((x, y) => {
    const a = sortKey(x, sort);
    const b = sortKey(y, sort);
    if (a === null && b !== null) return 1;
    if (b === null && a !== null) return -1;
    const main = a === null || b === null ? 0 : cmp(a, b) * dir;
    return main !== 0 ? main : cmp(x.id, y.id) * dir;
  });
}

describe.each(DIALECTS)('flow run filters and sorts against a model (%s)', (dialect) => {
  let db: Database;
  let runs: FlowRun[];
  let flowIds: string[];
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const rand = prng(42);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    flowIds = [];
    for (const name of ['alpha', 'beta', 'gamma']) flowIds.push((await db.flows.create({ name })).id);
    await db.transaction(async (tx) => {
      for (let i = 0; i < RUNS; i++) {
        const name = `${pick(WORDS)}-${pick(WORDS)}-${i % 17}`;
        const run = await tx.flowRuns.create({
          flowId: pick(flowIds),
          name,
          tags: TAGS.filter(() => rand() < 0.35),
          flowVersion: rand() < 0.3 ? null : pick(['1', '2', '3']),
          workQueueName: rand() < 0.3 ? null : pick(['q-one', 'Q_two', 'q%3']),
          idempotencyKey: rand() < 0.5 ? null : `key-${i}`,
        });
        const steps = Math.floor(rand() * 4);
        let minute = Math.floor(rand() * 500);
        for (let s = 0; s < steps; s++) {
          const type = pick(STATE_TYPES);
          const stateDetails =
            type === 'SCHEDULED'
              ? { scheduledTime: at(minute + Math.floor(rand() * 100)).toISOString() }
              : undefined;
          await tx.flowRuns.setState(run.id, {
            type,
            timestamp: at(minute),
            stateDetails,
            name: rand() < 0.2 ? 'Late' : undefined,
          });
          minute += 1 + Math.floor(rand() * 60);
        }
      }
    });
    runs = await db.flowRuns.list();
    expect(runs).toHaveLength(RUNS);
  });
  afterAll(async () => {
    await db.close();
  });

  const sample = <T>(xs: () => T[]) => fc.constant(null).chain(() => fc.subarray(xs()));
  const someName = () => fc.constantFrom(...runs.map((r) => r.name));
  const fragment = (source: fc.Arbitrary<string>, prefix: boolean) =>
    fc.tuple(source, fc.nat(), fc.nat(), fc.boolean()).map(([s, i, j, upper]) => {
      const start = prefix ? 0 : i % s.length;
      const part = s.slice(start, start + 1 + (j % 5));
      return upper ? part.toUpperCase() : part;
    });
  const time = fc.record(
    {
      before: fc.integer({ min: 0, max: 800 }).map(at),
      after: fc.integer({ min: 0, max: 800 }).map(at),
      isNull: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  // One to three operators at a time, so that results are rarely empty and every operator is exercised.
  const operators = () => ({
    id: fc.oneof(
      sample(() => runs.map((r) => r.id)).map((any) => ({ any })),
      sample(() => runs.map((r) => r.id)).map((notAny) => ({ notAny })),
    ),
    name: fc.oneof(
      fc.array(someName(), { maxLength: 3 }).map((any) => ({ any })),
      fragment(someName(), false).map((like) => ({ like })),
      fragment(someName(), true).map((startsWith) => ({ startsWith })),
    ),
    tags: fc.record(
      { all: fc.subarray(TAGS), any: fc.subarray(TAGS), isNull: fc.boolean() },
      { requiredKeys: [] },
    ),
    state: fc.record(
      {
        type: fc.oneof(
          fc.subarray([...STATE_TYPES]).map((any) => ({ any })),
          fc.subarray([...STATE_TYPES]).map((notAny) => ({ notAny })),
        ),
        name: fc.oneof(fc.constant({ like: 'ate' }), fc.constant({ any: ['Late', 'Running'] })),
      },
      { requiredKeys: [] },
    ),
    flowId: sample(() => flowIds).map((any) => ({ any })),
    flowVersion: fc.oneof(
      fc.subarray(['1', '2', '3']).map((any) => ({ any })),
      fc.boolean().map((isNull) => ({ isNull })),
    ),
    workQueueName: fc.oneof(
      fc.constantFrom('q', '%', '_', 'Q-', 'two').map((like) => ({ like })),
      fc.boolean().map((isNull) => ({ isNull })),
    ),
    idempotencyKey: fc.boolean().map((isNull) => ({ isNull })),
    startTime: time,
    endTime: time,
    expectedStartTime: time,
    nextScheduledStartTime: time,
  });
  const where = () => {
    const all = operators();
    const keys = Object.keys(all) as (keyof typeof all)[];
    return fc
      .subarray(keys, { minLength: 1, maxLength: 3 })
      .chain((chosen) =>
        fc.record(
          Object.fromEntries(chosen.map((k) => [k, all[k]])) as Record<string, fc.Arbitrary<unknown>>,
        ),
      );
  };

  it('returns exactly the runs the model selects, in the model order, for every operator and sort', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(where(), fc.constantFrom(...SORTS), async (w, sort) => {
        const expected = modelSort(
          runs.filter((r) => matches(r, w as FlowRunWhere)),
          sort,
        ).map((r) => r.id);
        const actual = (await db.flowRuns.list({ where: w as FlowRunWhere, sort })).map((r) => r.id);
        if (expected.length > 0) nonEmpty++;
        expect(actual).toEqual(expected);
        expect(await db.flowRuns.count({ where: w as FlowRunWhere })).toBe(expected.length);
      }),
      { numRuns: 150 },
    );
    // Guard against a generator whose filters select nothing: then the comparison would prove little.
    expect(nonEmpty).toBeGreaterThan(30);
  });

  it('pages with limit and offset over a stable order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SORTS),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 260 }),
        async (sort, limit, offset) => {
          const expected = modelSort(runs, sort)
            .slice(offset, offset + limit)
            .map((r) => r.id);
          expect((await db.flowRuns.list({ sort, limit, offset })).map((r) => r.id)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('counts by state with every type present', async () => {
    const counts = await db.flowRuns.countByState();
    expect(Object.keys(counts).sort()).toEqual([...STATE_TYPES].sort());
    for (const type of STATE_TYPES)
      expect(counts[type]).toBe(runs.filter((r) => r.stateType === type).length);
    const onlyA = await db.flowRuns.countByState({ where: { tags: { all: ['a'] } } });
    expect(onlyA.RUNNING).toBe(runs.filter((r) => r.stateType === 'RUNNING' && r.tags.includes('a')).length);
  });

  it('matches nothing for an empty any, and filters through related flows and task runs', async () => {
    expect(await db.flowRuns.list({ where: { id: { any: [] } } })).toEqual([]);
    expect(await db.flowRuns.count({ where: { tags: { any: [] } } })).toBe(0);
    const alpha = await db.flowRuns.list({ flow: { name: { any: ['alpha'] } } });
    expect(alpha.map((r) => r.id).sort()).toEqual(
      runs
        .filter((r) => r.flowId === flowIds[0])
        .map((r) => r.id)
        .sort(),
    );
    const target = runs[7]!;
    await db.taskRuns.create({ flowRunId: target.id, taskKey: 'load', dynamicKey: '0' });
    expect((await db.flowRuns.list({ taskRun: { taskKey: { any: ['load'] } } })).map((r) => r.id)).toEqual([
      target.id,
    ]);
    expect(await db.flowRuns.count({ workQueue: { name: { any: ['nope'] } } })).toBe(0);
    expect(await db.flowRuns.count({ workPool: { name: { like: 'x' } } })).toBe(0);
    expect(await db.flowRuns.count({ deployment: { name: { like: 'x' } } })).toBe(0);
  });
});
