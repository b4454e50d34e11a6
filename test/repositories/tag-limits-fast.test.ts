/**
 * The fast route of tag acquire and release (issue 13, limits/tag-fast.ts) against the general path
 * (limits/tag-general.ts), call for call: two databases receive the same calls at the same instants
 * (only `Date` is faked), one through `db.concurrencyLimits`, the other through a repository forced
 * onto the general path. After every call the answers (or error classes) are equal, and so are the
 * tag limits' rows (counters, decay clock, average, updated) and the leases (holder, limit, times, in
 * id order). Calls cover grants, denials (denied slots decaying as time passes), re-acquires by a
 * holder, partial releases, duplicate and unlimited tags, a limit set to 0 or lowered below its
 * holders, an inactive limit, a decaying limit (not covered: the general path decides) and a task
 * run that does not exist.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/index.js';
import { ConcurrencyLimitRepository } from '../../src/repositories/concurrency-limits.js';
import type { RepositoryContext } from '../../src/repositories/context.js';
import { DIALECTS } from '../support/dialects.js';
import { suiteDatabase } from '../support/suite-database.js';

const TAGS = ['a', 'b', 'c'] as const;
const RUNS = 3;
const MISSING = '00000000-0000-4000-8000-00000000dead';

const tagList = fc.array(fc.constantFrom(...TAGS, 'free'), { minLength: 0, maxLength: 4 });
const op = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('acquire' as const), run: fc.nat(RUNS), tags: tagList }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('release' as const), run: fc.nat(RUNS), tags: tagList }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('limit' as const),
      tag: fc.constantFrom(...TAGS),
      limit: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('sql' as const),
      tag: fc.constantFrom(...TAGS),
      set: fc.constantFrom(
        'active = false',
        'active = true',
        'slot_decay_per_second = 0.5',
        'slot_decay_per_second = 0',
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
  },
);

/** One database's side: its handle, the repository the calls go through, its task runs. */
interface Side {
  db: Database;
  repo: ConcurrencyLimitRepository;
  runs: string[];
}

const ms = (v: unknown) => (v === null ? null : new Date(v as string | number | Date).getTime());

/** The tag limits of `round` and their leases, with task runs as their index in `side.runs`. */
async function state(side: Side, round: number) {
  const limits = await side.db.execute(
    `select name, active, "limit", active_slots, denied_slots, slot_decay_at, slot_decay_per_second, avg_slot_occupancy_seconds, updated, id from concurrency_limit_v2 where name like 'tag:r${round}-%' order by name`,
  );
  const names = new Map(limits.map((l) => [String(l.id), String(l.name)]));
  const leases = await side.db.execute(
    'select id, limit_ids, slots, expires_at, holder_type, holder_id, created, updated from concurrency_lease order by id',
  );
  return {
    limits: limits.map((l) => ({
      name: l.name,
      active: Boolean(l.active),
      limit: Number(l.limit),
      activeSlots: Number(l.active_slots),
      denied: Number(l.denied_slots),
      at: ms(l.slot_decay_at),
      decay: Number(l.slot_decay_per_second),
      avg: Number(l.avg_slot_occupancy_seconds),
      updated: ms(l.updated),
    })),
    leases: leases
      .map((l) => ({
        limits: (typeof l.limit_ids === 'string' ? JSON.parse(l.limit_ids) : l.limit_ids) as string[],
        slots: Number(l.slots),
        expires: ms(l.expires_at),
        holder: `${l.holder_type}:${side.runs.indexOf(String(l.holder_id))}`,
        created: ms(l.created),
        updated: ms(l.updated),
      }))
      .filter((l) => l.limits.some((id) => names.has(id)))
      .map((l) => ({ ...l, limits: l.limits.map((id) => names.get(id)) })),
  };
}

/** A call's outcome: its answer, or its error's class. */
function outcome(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    (value) => ({ value: value ?? null }),
    (error: unknown) => ({ error: (error as Error).constructor.name }),
  );
}

describe.each(DIALECTS)('tag acquire and release: fast route against the general path (%s)', (dialect) => {
  const fastHandle = suiteDatabase(dialect);
  const generalHandle = suiteDatabase(dialect);
  let round = 0;

  it('answers and writes what the general path does, call after call', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 14 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: TAGS.length, maxLength: TAGS.length }),
        async (ops, limits) => {
          round++;
          let now = Date.UTC(2026, 0, 1) + round * 1_000_000;
          vi.useFakeTimers({ toFake: ['Date'] });
          vi.setSystemTime(now);
          try {
            const sides: Side[] = [];
            for (const [db, fast] of [
              [fastHandle(), true],
              [generalHandle(), false],
            ] as const) {
              const ctx = (db.concurrencyLimits as unknown as { ctx: RepositoryContext }).ctx;
              const repo = fast ? db.concurrencyLimits : new ConcurrencyLimitRepository(ctx, false);
              const flow = await db.flows.create({ name: `f${round}` });
              const flowRun = await db.flowRuns.create({ flowId: flow.id });
              const runs: string[] = [];
              for (let i = 0; i < RUNS; i++)
                runs.push(
                  (await db.taskRuns.create({ flowRunId: flowRun.id, taskKey: 't', dynamicKey: String(i) }))
                    .id,
                );
              // The last index is a task run that does not exist: NotFoundError on both routes.
              runs.push(MISSING);
              for (const [i, tag] of TAGS.entries())
                await repo.create({ tag: `r${round}-${tag}`, limit: limits[i]! });
              sides.push({ db, repo: repo as ConcurrencyLimitRepository, runs });
            }
            const tagsOf = (tags: readonly string[]) => tags.map((t) => `r${round}-${t}`);
            for (const o of ops) {
              if (o.kind === 'wait') {
                now += o.ms;
                vi.setSystemTime(now);
                continue;
              }
              const answers = [];
              for (const side of sides) {
                if (o.kind === 'acquire')
                  answers.push(
                    await outcome(() =>
                      side.repo.acquire({ taskRunId: side.runs[o.run]!, tags: tagsOf(o.tags) }),
                    ),
                  );
                else if (o.kind === 'release')
                  answers.push(
                    await outcome(() =>
                      side.repo.release({ taskRunId: side.runs[o.run]!, tags: tagsOf(o.tags) }),
                    ),
                  );
                else if (o.kind === 'limit')
                  answers.push(
                    await outcome(async () => {
                      await side.repo.create({ tag: `r${round}-${o.tag}`, limit: o.limit });
                    }),
                  );
                else
                  answers.push(
                    await outcome(() =>
                      side.db.execute(
                        `update concurrency_limit_v2 set ${o.set} where name = 'tag:r${round}-${o.tag}'`,
                      ),
                    ),
                  );
              }
              expect(answers[0], JSON.stringify(o)).toEqual(answers[1]);
              expect(await state(sides[0]!, round), JSON.stringify(o)).toEqual(await state(sides[1]!, round));
            }
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 600_000);

  it("inside db.transaction the route's writes are the caller's: kept on commit, gone on rollback", async () => {
    const db = fastHandle();
    const tag = `tx-${round}`;
    await db.concurrencyLimits.create({ tag, limit: 1 });
    const flow = await db.flows.create({ name: `tx-${round}` });
    const flowRun = await db.flowRuns.create({ flowId: flow.id });
    const [t1, t2] = await Promise.all(
      ['a', 'b'].map(
        async (k) => (await db.taskRuns.create({ flowRunId: flowRun.id, taskKey: k, dynamicKey: '0' })).id,
      ),
    );
    await db
      .transaction(async (tx) => {
        expect(await tx.concurrencyLimits.acquire({ taskRunId: t1!, tags: [tag] })).toEqual({
          acquired: true,
        });
        expect((await tx.concurrencyLimits.acquire({ taskRunId: t2!, tags: [tag] })).acquired).toBe(false);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await db.concurrencyLimits.getByTag(tag)).toMatchObject({ activeSlots: 0, taskRunIds: [] });
    await db.transaction(async (tx) => {
      expect(await tx.concurrencyLimits.acquire({ taskRunId: t2!, tags: [tag] })).toEqual({ acquired: true });
      await tx.concurrencyLimits.release({ taskRunId: t2!, tags: [tag] });
      expect(await tx.concurrencyLimits.acquire({ taskRunId: t1!, tags: [tag] })).toEqual({ acquired: true });
    });
    expect(await db.concurrencyLimits.getByTag(tag)).toMatchObject({ activeSlots: 1, taskRunIds: [t1] });
  });
});
