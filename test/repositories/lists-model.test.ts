/**
 * Property test for lists and paging (semantics.md §2 "Lists", "Paging"): `any`/`notAny` lists of
 * generated lengths — short ones, and lengths around both drivers' bind limits up to 70,000 — with
 * generated limit/offset combinations (offset without limit included), on every list method,
 * compared with an in-memory model of what was written. Same body on both dialects.
 *
 * Runs: 200 cases per method with short lists (0–20 elements); 7 per method with long lists
 * (32,765–70,000 elements: each case costs a few hundred milliseconds, and the lengths are few).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, STATE_TYPES } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

/** Lengths around SQLite's 32,766 and postgres.js's 65,533 bound parameters, and the 70,000. */
const LONG = [32_765, 32_766, 32_767, 65_532, 65_533, 65_534, 70_000];
const SHORT_RUNS = 200;
const LONG_RUNS = 7;
/** Run names that an array literal or a JSON text must carry intact. */
const TRICKY = [
  'plain',
  'NULL',
  '"quoted"',
  'back\\slash',
  '{braces}',
  'a,b',
  ' padded ',
  'ünïcødé',
  '😀',
  "it's",
];
/** Ids that exist nowhere, to fill long lists. */
const FILLER = Array.from({ length: 70_000 }, () => randomUUID());
/** Names that exist nowhere, to fill long text lists. */
const FILLER_NAMES = Array.from({ length: 70_000 }, (_, i) => `absent "${i}" {x}\\`);

interface Page {
  limit?: number;
  offset?: number;
}

/** The model of paging: skip `offset` rows, then at most `limit`. */
function page<T>(rows: T[], p: Page): T[] {
  const from = p.offset ?? 0;
  return rows.slice(from, p.limit === undefined ? undefined : from + p.limit);
}

/** A list filter as the API takes it. */
interface ListFilter {
  any?: string[];
  notAny?: string[];
}
type Where = Record<string, ListFilter | undefined> & { state?: { type?: ListFilter } };

/**
 * The model of a list filter: `any` keeps listed values, a non-empty `notAny` drops listed ones and
 * NULLs. Ids compare case-insensitively (the API lower-cases them); text compares exactly.
 */
function keeps(value: string | null, f: ListFilter | undefined, isId = false): boolean {
  if (!f) return true;
  const set = (list: string[]) => new Set(isId ? list.map((v) => v.toLowerCase()) : list);
  if (f.any && (value === null || !set(f.any).has(value))) return false;
  if (f.notAny && f.notAny.length > 0 && (value === null || set(f.notAny).has(value))) return false;
  return true;
}

/** A page: limit and offset each absent or from 0 to a little past the row count; sometimes a huge offset. */
const pages = (rows: number): fc.Arbitrary<Page> =>
  fc.record(
    {
      limit: fc.option(fc.nat(rows + 2), { nil: undefined }),
      offset: fc.option(fc.oneof(fc.nat(rows + 2), fc.constant(Number.MAX_SAFE_INTEGER)), { nil: undefined }),
    },
    { requiredKeys: [] },
  );

/**
 * A list of `length` values: some real ones (`present`, maybe upper-cased when they are ids) at a
 * random place, the rest from `filler`.
 */
const list = (present: string[], filler: string[], lengths: fc.Arbitrary<number>, ids: boolean) =>
  fc
    .record({
      length: lengths,
      real: fc.subarray(present, { maxLength: Math.min(6, present.length) }),
      at: fc.nat(),
      start: fc.nat(filler.length),
      upper: fc.boolean(),
    })
    .map(({ length, real, at, start, upper }) => {
      const chosen = real.slice(0, length).map((v) => (ids && upper ? v.toUpperCase() : v));
      const fill = length - chosen.length;
      const rest = [...filler.slice(start), ...filler.slice(0, start)].slice(0, fill);
      const where = rest.length === 0 ? 0 : at % (rest.length + 1);
      return [...rest.slice(0, where), ...chosen, ...rest.slice(where)];
    });

/** `{ any }`, `{ notAny }` or both, each a list as above. */
const anyNotAny = (values: fc.Arbitrary<string[]>) =>
  fc.oneof(
    values.map((any) => ({ any })),
    values.map((notAny) => ({ notAny })),
    fc.tuple(values, values).map(([any, notAny]) => ({ any, notAny })),
  );

const SHORT = fc.oneof(fc.constantFrom(0, 1), fc.nat(20));
const LONG_LENGTHS = fc.constantFrom(...LONG);

describe.each(DIALECTS)('lists of any length and paging, against a model (%s)', (dialect) => {
  let db: Database;
  const flows: { id: string; name: string }[] = [];
  const runs: { id: string; name: string; flowId: string; stateType: string | null }[] = [];
  const tasks: { id: string; taskKey: string }[] = [];
  const deployments: { id: string; name: string }[] = [];
  const pools: { id: string; name: string }[] = [];
  let workers: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    for (let i = 0; i < 8; i++) flows.push(await db.flows.create({ name: `f${i}` }));
    for (let i = 0; i < 5; i++) pools.push(await db.workPools.create({ name: `p${i}` }));
    for (let i = 0; i < 6; i++) {
      deployments.push(
        await db.deployments.upsert({ flowId: flows[0]!.id, name: `d${i}`, workPoolName: 'p0' }),
      );
    }
    const states = [undefined, 'SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED'] as const;
    for (let i = 0; i < 30; i++) {
      const type = states[i % states.length];
      const run = await db.flowRuns.create({
        flowId: flows[i % flows.length]!.id,
        name: TRICKY[i % TRICKY.length]!,
        ...(type ? { state: { type } } : {}),
      });
      runs.push({ id: run.id, name: run.name, flowId: run.flowId, stateType: run.stateType });
      if (i % 2 === 0) {
        const task = await db.taskRuns.create({
          flowRunId: run.id,
          taskKey: TRICKY[i % 7]!,
          dynamicKey: '0',
        });
        tasks.push({ id: task.id, taskKey: task.taskKey });
      }
    }
    for (let i = 0; i < 4; i++) await db.workers.heartbeat({ workPoolName: 'p0', name: `w${i}` });
    // Workers have no list filter: their order (newest heartbeat first) is read once; paging is the property.
    workers = (await db.workers.list('p0')).map((w) => w.id);
  });
  afterAll(async () => {
    await db?.close();
  });

  const byName = <T extends { name: string }>(rows: T[]) =>
    [...rows].sort((a, b) => (a.name < b.name ? -1 : 1));
  const byIdDesc = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => (a.id < b.id ? 1 : -1));
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

  /** Each list method: how to call it with a filter and a page, and what the model says. */
  const methods = () => {
    const idFilter = (present: string[], lengths: fc.Arbitrary<number>) =>
      anyNotAny(list(present, FILLER, lengths, true));
    return {
      flows: {
        where: (lengths: fc.Arbitrary<number>) => fc.record({ id: idFilter(ids(flows), lengths) }),
        expected: (w: Where) => ids(byName(flows).filter((f) => keeps(f.id, w.id, true))),
        list: (w: never, p: Page) => db.flows.list({ where: w, ...p }),
        count: (w: never) => db.flows.count({ where: w }),
      },
      flowRuns: {
        where: (lengths: fc.Arbitrary<number>) =>
          fc.record(
            {
              id: idFilter(ids(runs), lengths),
              flowId: idFilter(ids(flows), SHORT),
              name: anyNotAny(list(TRICKY, FILLER_NAMES, lengths, false)),
              state: fc.record({ type: anyNotAny(fc.subarray([...STATE_TYPES])) }),
            },
            { requiredKeys: [] },
          ),
        expected: (w: Where) =>
          ids(
            byIdDesc(runs).filter(
              (r) =>
                keeps(r.id, w.id, true) &&
                keeps(r.flowId, w.flowId, true) &&
                keeps(r.name, w.name) &&
                keeps(r.stateType, w.state?.type),
            ),
          ),
        list: (w: never, p: Page) => db.flowRuns.list({ where: w, ...p }),
        count: (w: never) => db.flowRuns.count({ where: w }),
      },
      taskRuns: {
        where: (lengths: fc.Arbitrary<number>) =>
          fc.record(
            {
              id: idFilter(ids(tasks), lengths),
              taskKey: anyNotAny(list(TRICKY, FILLER_NAMES, SHORT, false)),
            },
            { requiredKeys: [] },
          ),
        expected: (w: Where) =>
          ids(byIdDesc(tasks).filter((t) => keeps(t.id, w.id, true) && keeps(t.taskKey, w.taskKey))),
        list: (w: never, p: Page) => db.taskRuns.list({ where: w, ...p }),
        count: (w: never) => db.taskRuns.count({ where: w }),
      },
      deployments: {
        where: (lengths: fc.Arbitrary<number>) => fc.record({ id: idFilter(ids(deployments), lengths) }),
        expected: (w: Where) => ids(byName(deployments).filter((d) => keeps(d.id, w.id, true))),
        list: (w: never, p: Page) => db.deployments.list({ where: w, ...p }),
        count: (w: never) => db.deployments.count({ where: w }),
      },
      workPools: {
        where: (lengths: fc.Arbitrary<number>) => fc.record({ id: idFilter(ids(pools), lengths) }),
        expected: (w: Where) => ids(byName(pools).filter((p) => keeps(p.id, w.id, true))),
        list: (w: never, p: Page) => db.workPools.list({ where: w, ...p }),
        count: undefined,
      },
    };
  };

  const cases: [string, number, fc.Arbitrary<number>][] = [
    ['short lists (0–20)', SHORT_RUNS, SHORT],
    ['long lists (32,765–70,000)', LONG_RUNS, LONG_LENGTHS],
  ];
  for (const [label, numRuns, lengths] of cases) {
    for (const name of ['flows', 'flowRuns', 'taskRuns', 'deployments', 'workPools'] as const) {
      it(`${name}: ${label} with any page equal the model (${numRuns} cases)`, async () => {
        const m = methods()[name];
        let nonEmpty = 0;
        await fc.assert(
          fc.asyncProperty(m.where(lengths) as fc.Arbitrary<Where>, pages(40), async (w, p) => {
            const all = m.expected(w);
            if (all.length > 0) nonEmpty++;
            expect(ids(await m.list(w as never, p))).toEqual(page(all, p));
            if (m.count) expect(await m.count(w as never)).toBe(all.length);
          }),
          { numRuns },
        );
        // A generator whose filters always select nothing would prove little. The long-list case
        // runs only a few cases, which may all select nothing by chance (seen once on PostgreSQL);
        // lists.test.ts checks that 70,000-element lists do select the rows they name.
        if (numRuns === SHORT_RUNS) expect(nonEmpty).toBeGreaterThan(0);
      });
    }
  }

  it(`workers: any page equals the model (${SHORT_RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(pages(6), async (p) => {
        expect(ids(await db.workers.list('p0', p))).toEqual(page(workers, p));
      }),
      { numRuns: SHORT_RUNS },
    );
  });
});
