/**
 * A tag limit reads its slot count and the task runs holding them from one snapshot (limits/views.ts
 * tagLimitHolders): with two writers acquiring and releasing on other handles, every get, getByTag
 * and list shows exactly as many holders as active slots. Read by two statements, 2,737 of 23,601
 * reads on SQLite and 485 of 3,786 on PostgreSQL disagreed (a fresh user's trial). Both dialects:
 * PostgreSQL handles on one server, SQLite handles on one file (each its own connection).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { DIALECTS } from '../support/dialects.js';
import { withHandles } from '../support/race.js';

describe.each(DIALECTS)('tag limit reads are one snapshot (%s)', (dialect) => {
  it('activeSlots equals the number of holders in every read while writers run', async () => {
    await withHandles(dialect, 3, async (db, handles) => {
      const [a, b, reader] = handles as [Database, Database, Database];
      await db.concurrencyLimits.create({ tag: 'tt', limit: 5 });
      const flow = await db.flows.create({ name: `f-${randomUUID()}` });
      const run = await db.flowRuns.create({ flowId: flow.id });
      const tasks = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          db.taskRuns.create({ flowRunId: run.id, taskKey: 't', dynamicKey: String(i), tags: ['tt'] }),
        ),
      );
      let done = false;
      const writer = async (handle: Database, mine: typeof tasks) => {
        for (let round = 0; round < 40; round++)
          for (const task of mine) {
            await handle.concurrencyLimits.acquire({ taskRunId: task.id, tags: ['tt'] });
            await handle.concurrencyLimits.release({ taskRunId: task.id, tags: ['tt'] });
          }
      };
      const torn: string[] = [];
      let reads = 0;
      const read = async () => {
        while (!done) {
          const views = [
            await reader.concurrencyLimits.getByTag('tt'),
            ...(await reader.concurrencyLimits.list()),
          ];
          for (const v of views) {
            reads++;
            if (v && v.activeSlots !== v.taskRunIds.length)
              torn.push(`${v.activeSlots} vs ${v.taskRunIds.length}`);
          }
        }
      };
      const reading = read();
      await Promise.all([writer(a, tasks.slice(0, 4)), writer(b, tasks.slice(4))]);
      done = true;
      await reading;
      expect(reads).toBeGreaterThan(10);
      expect(torn).toEqual([]);
    });
  }, 120_000);
});
