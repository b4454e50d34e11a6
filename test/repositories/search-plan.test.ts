import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresFragments } from '../../src/dialect/postgres/fragments.js';
import type { Database } from '../../src/index.js';
import { flowRun } from '../../src/schema/postgres/runs.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { wherePlan } from '../support/plans.js';

// Postgres only: the trigram and tags GIN indexes exist there (SQLite scans for substrings, documented).
describe('PostgreSQL plans for search with 50k runs', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
    const flow = await db.flows.create({ name: 'bulk' });
    // A bulk seed on a loaded machine can outlast the 10 s statement timeout of normal work.
    await db.transaction(async (tx) => {
      await tx.execute('set local statement_timeout = 0');
      await tx.execute(sql`
        insert into flow_run (id, created, updated, name, flow_id, tags)
        select gen_random_uuid(), now(), now(), 'run-' || md5(i::text), ${flow.id}::uuid,
               case when i % 1000 = 0 then '["rare"]'::jsonb else '["common"]'::jsonb end
        from generate_series(1, 50000) as i`);
    });
    // VACUUM flushes the GIN pending list (fastupdate), as autovacuum does on a live server; with 50k
    // rows still pending the planner rightly prefers a sequential scan.
    await db.execute('vacuum analyze flow_run');
  });
  afterAll(async () => {
    await db?.close();
  });

  const plan = (where: SQL) => wherePlan(db, flowRun.id, flowRun, where);

  it('serves a case-insensitive substring search (ILIKE, as the repository writes it) with the trigram index', async () => {
    const text = await plan(postgresFragments.containsInsensitive(flowRun.name, 'C4CA4238'));
    expect(text).toContain('ix_flow_run__name_trgm');
    const found = await db.flowRuns.list({ where: { name: { like: 'C4CA4238' } } });
    expect(found.map((r) => r.name)).toContain('run-c4ca4238a0b923820dcc509a6f75849b');
  });

  it('serves an id list, sent as one parameter, with the primary key', async () => {
    const runs = await db.flowRuns.list({ limit: 2 });
    const ids = runs.map((r) => r.id);
    for (const list of [[ids[0]!], [...ids, ...Array.from({ length: 50 }, () => randomUUID())]]) {
      const text = await plan(postgresFragments.inList(flowRun.id, list, 'uuid'));
      expect(text).toContain('pk_flow_run');
      expect(text).not.toContain('Seq Scan on flow_run');
    }
    expect(await db.flowRuns.count({ where: { id: { any: ids } } })).toBe(2);
  });

  it('serves tag containment with the tags GIN index', async () => {
    const text = await plan(postgresFragments.jsonListContainsAll(flowRun.tags, ['rare']));
    expect(text).toContain('ix_flow_run__tags');
    expect(await db.flowRuns.count({ where: { tags: { all: ['rare'] } } })).toBe(50);
  });
});
