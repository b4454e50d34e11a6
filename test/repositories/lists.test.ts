/**
 * Lists of any accepted length and paging without a limit (semantics.md §2 "Lists", "Paging"): the
 * failing examples of issue 7 §2, on both dialects with the same body.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

/** More ids than either driver can bind (postgres.js 65,533; SQLite 32,766). */
const HUGE = 70_000;

describe.each(DIALECTS)('lists of any length and paging without a limit (%s)', (dialect) => {
  let db: Database;
  let flowIds: string[];
  let runIds: string[];
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    flowIds = [];
    runIds = [];
    for (const name of ['a', 'b', 'c']) flowIds.push((await db.flows.create({ name, tags: [name] })).id);
    const pool = await db.workPools.create({ name: 'pool' });
    await db.workPools.create({ name: 'pool-2' });
    await db.workPools.create({ name: 'pool-3' });
    for (const name of ['d1', 'd2', 'd3']) {
      await db.deployments.upsert({ flowId: flowIds[0]!, name, workPoolName: 'pool' });
    }
    for (let i = 0; i < 5; i++) {
      const run = await db.flowRuns.create({ flowId: flowIds[i % 3]!, workQueueId: pool.defaultQueueId! });
      runIds.push(run.id);
      await db.taskRuns.create({ flowRunId: run.id, taskKey: 't', dynamicKey: String(i) });
    }
    for (const name of ['w1', 'w2', 'w3']) await db.workers.heartbeat({ workPoolName: 'pool', name });
  });
  afterAll(async () => {
    await db?.close();
  });

  describe('offset without limit', () => {
    // Each list method: the whole list, and the list from offset 1 (no limit), which must be its tail.
    const methods: [string, (page: { offset?: number }) => Promise<{ id: string }[]>][] = [
      ['flows.list', (page) => db.flows.list(page)],
      ['flowRuns.list', (page) => db.flowRuns.list(page)],
      ['taskRuns.list', (page) => db.taskRuns.list(page)],
      ['deployments.list', (page) => db.deployments.list(page)],
      ['workPools.list', (page) => db.workPools.list(page)],
      ['workers.list', (page) => db.workers.list('pool', page)],
    ];
    it.each(methods)('%s({ offset: 1 }) is the list without its first row', async (_, list) => {
      const all = await list({});
      expect(all.length).toBeGreaterThanOrEqual(3);
      expect((await list({ offset: 1 })).map((r) => r.id)).toEqual(all.slice(1).map((r) => r.id));
      expect(await list({ offset: all.length })).toEqual([]);
      expect(await list({ offset: Number.MAX_SAFE_INTEGER })).toEqual([]);
    });
  });

  describe(`an id filter with ${HUGE.toLocaleString('en')} ids`, () => {
    let ids: string[];
    beforeAll(() => {
      // Two real runs among 70,000 ids; the rest exist nowhere.
      ids = Array.from({ length: HUGE - 2 }, () => randomUUID());
      ids.splice(HUGE / 2, 0, runIds[1]!, runIds[3]!.toUpperCase());
    });

    it('works with any, on list and count', async () => {
      const where = { id: { any: ids } };
      expect((await db.flowRuns.list({ where })).map((r) => r.id).sort()).toEqual(
        [runIds[1]!, runIds[3]!].sort(),
      );
      expect(await db.flowRuns.count({ where })).toBe(2);
      expect(await db.flows.count({ where: { id: { any: [...ids, flowIds[2]!] } } })).toBe(1);
    });

    it('works with notAny, on list and count', async () => {
      const where = { id: { notAny: ids } };
      const rest = runIds.filter((id) => id !== runIds[1] && id !== runIds[3]);
      expect((await db.flowRuns.list({ where })).map((r) => r.id).sort()).toEqual(rest.sort());
      expect(await db.flowRuns.count({ where })).toBe(rest.length);
      expect((await db.flowRuns.countByState({ where })).SCHEDULED).toBe(0);
    });

    it('works for text lists and related filters too', async () => {
      const names = Array.from({ length: HUGE }, (_, i) => `name "${i}", {x}\\`);
      names.push('b');
      expect((await db.flows.list({ where: { name: { any: names } } })).map((f) => f.name)).toEqual(['b']);
      expect(await db.flows.count({ where: { name: { notAny: names } } })).toBe(2);
      expect(await db.flowRuns.count({ where: { flowId: { any: ids } }, flow: { id: { any: ids } } })).toBe(
        0,
      );
    });
  });
});
