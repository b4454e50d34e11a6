/**
 * Tag acquires and releases raced on the fast route (issue 13, limits/tag-fast.ts). On PostgreSQL
 * its deciding statement reads the run's leases with a snapshot taken after the limits are locked;
 * a statement that locked and read at once would miss a lease another acquire of the same run
 * committed while it waited, and take a second slot. Here eight handles (PostgreSQL connections, or
 * SQLite handles on one file) acquire and release the same task runs at the same moment, in both
 * tag orders, on limits smaller than the runs: every read shows at most `limit` slots, exactly one
 * lease per (run, tag) holding, as many slots as leases; at the end nothing is held.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { DIALECTS } from '../support/dialects.js';
import { withHandles } from '../support/race.js';

const LIMITS = { x: 2, y: 3 } as const;
const ROUNDS = 60;

/** What a read finds wrong: slots above the limit, a (run, tag) held twice, slots ≠ leases. */
async function problems(db: Database): Promise<string[]> {
  const found: string[] = [];
  for (const [tag, limit] of Object.entries(LIMITS)) {
    const view = (await db.concurrencyLimits.getByTag(tag))!;
    if (view.activeSlots > limit) found.push(`${tag}: ${view.activeSlots} slots > ${limit}`);
    if (new Set(view.taskRunIds).size !== view.taskRunIds.length)
      found.push(`${tag}: a run holds twice (${view.taskRunIds.join(', ')})`);
    if (view.activeSlots !== view.taskRunIds.length)
      found.push(`${tag}: ${view.activeSlots} slots, ${view.taskRunIds.length} holders`);
  }
  return found;
}

describe.each(DIALECTS)('tag limit race on the fast route (%s)', (dialect) => {
  it('handles acquiring and releasing the same runs at once never take a slot twice nor exceed a limit', async () => {
    await withHandles(dialect, 8, async (db, handles) => {
      for (const [tag, limit] of Object.entries(LIMITS)) await db.concurrencyLimits.create({ tag, limit });
      const flow = await db.flows.create({ name: `f-${randomUUID()}` });
      const run = await db.flowRuns.create({ flowId: flow.id });
      const tasks = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          db.taskRuns.create({ flowRunId: run.id, taskKey: 't', dynamicKey: String(i) }),
        ),
      );
      const seen: string[] = [];
      let granted = 0;
      let denied = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // Two handles per task run, each run's pair at the same moment, tags in opposite orders.
        const results = await Promise.all(
          handles.map((h, i) =>
            h.concurrencyLimits.acquire({
              taskRunId: tasks[i % tasks.length]!.id,
              tags: (i + round) % 2 ? ['x', 'y'] : ['y', 'x'],
            }),
          ),
        );
        for (const r of results) r.acquired ? granted++ : denied++;
        seen.push(...(await problems(db)));
        // Both handles of a run agree: a run's second acquire finds its slots held, or is denied too.
        for (let k = 0; k < tasks.length; k++) {
          const pair = results.filter((_, i) => i % tasks.length === k).map((r) => r.acquired);
          if (new Set(pair).size !== 1) seen.push(`run ${k}: ${pair.join(' vs ')}`);
        }
        // Half the runs release, each by both of its handles at once: one slot back per (run, tag).
        await Promise.all(
          handles.map((h, i) =>
            (i % tasks.length) % 2 === round % 2
              ? h.concurrencyLimits.release({ taskRunId: tasks[i % tasks.length]!.id, tags: ['x', 'y'] })
              : undefined,
          ),
        );
        seen.push(...(await problems(db)));
      }
      await Promise.all(
        tasks.map((t) => db.concurrencyLimits.release({ taskRunId: t.id, tags: ['y', 'x'] })),
      );
      expect(seen).toEqual([]);
      expect(granted).toBeGreaterThan(0);
      expect(denied).toBeGreaterThan(0);
      for (const tag of Object.keys(LIMITS))
        expect(await db.concurrencyLimits.getByTag(tag)).toMatchObject({ activeSlots: 0, taskRunIds: [] });
      expect(await db.globalConcurrencyLimits.listLeases()).toEqual([]);
    });
  }, 300_000);
});
