/**
 * A list filter sent as one parameter still searches the column's index (semantics.md §2 "Lists"):
 * SQLite's `x in (select value from json_each(?))` and `not in`, checked with EXPLAIN QUERY PLAN.
 * The PostgreSQL plans are in search-plan.test.ts (they need a server-sized table).
 */
import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFragments } from '../../src/dialect/sqlite/fragments.js';
import type { Database } from '../../src/index.js';
import { flowRun } from '../../src/schema/sqlite/runs.js';
import { createTestDatabase } from '../../src/testing/index.js';

describe('SQLite plans for list filters', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect: 'sqlite' });
    // 500 flows and 5,000 runs spread over them, with UUID-shaped ids, so the statistics favour the indexes.
    const uuid = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-7' || substr(hex(randomblob(2)), 2)
      || '-8' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;
    await db.execute(`
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 500)
      insert into flow (id, created, updated, name) select ${uuid}, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'f' || i from n`);
    await db.execute(`
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 5000)
      insert into flow_run (id, created, updated, name, flow_id)
      select ${uuid}, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'run-' || i,
             (select id from flow where name = 'f' || (i % 500 + 1)) from n`);
    await db.execute('analyze');
  });
  afterAll(async () => {
    await db?.close();
  });

  const plan = async (where: SQL) =>
    (
      await db.execute<{ detail: string }>(
        sql`explain query plan select ${flowRun.id} from ${flowRun} where ${where}`,
      )
    )
      .map((r) => r.detail)
      .join('\n');

  it('searches the primary key for an id list, whatever its length', async () => {
    for (const length of [1, 3, 40_000]) {
      const ids = Array.from({ length }, () => randomUUID());
      const text = await plan(sqliteFragments.inList(flowRun.id, ids, 'uuid'));
      expect(text).toMatch(/SEARCH flow_run USING (COVERING )?INDEX sqlite_autoindex_flow_run_1 \(id=\?\)/);
      expect(text).not.toMatch(/SCAN flow_run\b/);
    }
  });

  it('searches a secondary index for a list on its column', async () => {
    const [flow] = await db.flows.list({ limit: 1 });
    const text = await plan(sqliteFragments.inList(flowRun.flowId, [flow!.id, randomUUID()], 'uuid'));
    expect(text).toMatch(/SEARCH flow_run USING (COVERING )?INDEX ix_flow_run__flow_id \(flow_id=\?\)/);
  });

  it('answers the list filter through the repository with the same rows', async () => {
    const [first] = await db.flowRuns.list({ limit: 1 });
    const ids = [first!.id, ...Array.from({ length: 40_000 }, () => randomUUID())];
    expect((await db.flowRuns.list({ where: { id: { any: ids } } })).map((r) => r.id)).toEqual([first!.id]);
    expect(await db.flowRuns.count({ where: { id: { notAny: ids } } })).toBe(4999);
  });
});
