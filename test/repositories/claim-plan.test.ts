import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresFragments } from '../../src/dialect/postgres/fragments.js';
import type { Database } from '../../src/index.js';
import { PgDialect } from 'drizzle-orm/pg-core';
import { topPerDeploymentQuery } from '../../src/repositories/claim-candidates.js';
import * as schema from '../../src/schema/postgres/index.js';
import { createTestDatabase } from '../../src/testing/index.js';

// Postgres only: the plan of the claim's candidate query with 200k runs, 10k of them scheduled.
describe('PostgreSQL plan for claiming with 200k runs', () => {
  let db: Database;
  let queueId: string;
  // Fifty deployments share the scheduled runs; the claim reads at most each one's free slots.
  const deploymentIds = Array.from({ length: 50 }, () => randomUUID());
  beforeAll(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
    const flow = await db.flows.create({ name: 'bulk' });
    const pool = await db.workPools.create({ name: 'pool' });
    const queues = [pool.defaultQueueId!];
    for (let i = 0; i < 3; i++)
      queues.push((await db.workQueues.create({ workPoolName: 'pool', name: `q${i}` })).id);
    queueId = queues[1]!;
    // A bulk seed on a loaded machine can outlast the 10 s statement timeout of normal work.
    await db.transaction(async (tx) => {
      await tx.execute('set local statement_timeout = 0');
      await tx.execute(sql`
        insert into flow_run (id, created, updated, name, flow_id, deployment_id, work_queue_id, state_type, state_name, next_scheduled_start_time, end_time)
        select gen_random_uuid(), now(), now(), 'run-' || i, ${flow.id}::uuid,
               case when i % 7 > 0 then (${sql.raw(`array[${deploymentIds.map((d) => `'${d}'`).join(',')}]`)}::uuid[])[i % 50 + 1] end,
               (${sql.raw(`array[${queues.map((q) => `'${q}'`).join(',')}]`)}::uuid[])[i % 4 + 1],
               case when i % 80 < 4 then 'SCHEDULED' else 'COMPLETED' end,
               case when i % 80 < 4 then 'Scheduled' else 'Completed' end,
               case when i % 80 < 4 then now() - interval '1 day' + i * interval '1 second' end,
               case when i % 80 < 4 then null else now() end
        from generate_series(1, 200000) as i`);
    });
    await db.execute('vacuum analyze flow_run');
  });
  afterAll(async () => {
    await db?.close();
  });

  it("reads each deployment's oldest due runs through the queue/deployment partial index (revision 7)", async () => {
    // Build the very statement the claim runs, compile it, and EXPLAIN it as a prepared statement.
    const dialect = new PgDialect();
    for (const [i, count] of [1, 10, 50].entries()) {
      const caps = deploymentIds.slice(0, count).map((id, k) => ({ id, cap: 1 + (k % 5) }));
      const top = topPerDeploymentQuery(
        { fragments: postgresFragments, dialectName: 'postgresql' },
        schema.flowRun,
        {
          queueId,
          before: new Date(),
          caps,
          take: 30,
        },
      );
      const query = dialect.sqlToQuery(top);
      await db.execute(`prepare claim_plan_${i} as ${query.sql}`);
      const args = query.params.map((p) => `'${String(p).replace(/'/g, "''")}'`).join(', ');
      const plan = (await db.execute<{ 'QUERY PLAN': string }>(`explain execute claim_plan_${i}(${args})`))
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(plan).toContain('ix_flow_run__scheduled_work_queue_id_deployment_id_nex_935e3c5c');
      expect(plan).not.toContain('Seq Scan on flow_run');
    }
    expect(
      await db.workQueues.getScheduledRuns({ workPoolName: 'pool', workQueueNames: ['q0'], limit: 5 }),
    ).toHaveLength(5);
  });
});
