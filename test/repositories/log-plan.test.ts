import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, LogWhere } from '../../src/index.js';
import { type ParsedLogWhere, logWhere } from '../../src/repositories/logs/inputs.js';
import { selectLogs } from '../../src/repositories/logs/reads.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { textPlan } from '../support/plans.js';

// Postgres only: the trigram index on log.message exists there (SQLite scans for substrings, documented).
describe('PostgreSQL plans for log reads with 100k logs', () => {
  let db: Database;
  const run = randomUUID();
  beforeAll(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
    await db.transaction(async (tx) => {
      await tx.execute('set local statement_timeout = 0');
      // 100 runs of 1,000 logs; one log in 10,000 says "needle".
      await tx.execute(sql`
        insert into log (id, created, updated, name, level, flow_run_id, message, timestamp)
        select gen_random_uuid(), now(), now(), 'p', (i % 5) * 10 + 10,
               case when i % 100 = 0 then ${run}::uuid else md5((i % 100)::text)::uuid end,
               case when i % 10000 = 0 then 'found the NEEDLE here' else 'line ' || md5(i::text) end,
               timestamp '2026-01-01' + i * interval '1 second'
        from generate_series(1, 100000) as i`);
    });
    await db.execute('vacuum analyze log');
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  /** The plan of a list query as the repository writes it: filters, cursor, order, limit 200. */
  const plan = (where: LogWhere, after?: { timestamp: Date; id: string }) => {
    const parsed = logWhere.parse(where) as ParsedLogWhere;
    return textPlan(db, selectLogs('postgresql', { where: parsed, after, limit: 200 }));
  };

  it('serves the text query with the trigram index on message', async () => {
    const text = await plan({ text: { query: 'needle -haystack' } });
    expect(text).toContain('ix_log__message_trgm');
    expect(text).not.toContain('Seq Scan on log');
    expect(await db.logs.count({ where: { text: { query: 'needle -haystack' } } })).toBe(10);
  });

  it('serves a page of one run, and the next keyset page, from (flow_run_id, timestamp)', async () => {
    expect(await plan({ flowRunId: { any: [run] } })).toContain('ix_log__flow_run_id_timestamp_id');
    const first = await db.logs.list({ where: { flowRunId: { any: [run] } }, limit: 200 });
    const cursor = first.at(-1)!;
    const text = await plan({ flowRunId: { any: [run] } }, cursor);
    expect(text).toContain('ix_log__flow_run_id_timestamp_id');
    expect(text).not.toContain('Seq Scan on log');
    const second = await db.logs.list({ where: { flowRunId: { any: [run] } }, limit: 200, after: cursor });
    expect(second[0]!.timestamp.getTime()).toBeGreaterThan(cursor.timestamp.getTime());
  });

  it('serves a time window with the timestamp index', async () => {
    const text = await plan({ timestamp: { after: '2026-01-01T10:00:00Z', before: '2026-01-01T11:00:00Z' } });
    expect(text).toContain('ix_log__timestamp');
  });
});
