/**
 * The plans PostgreSQL chooses for the library's hot reads (docs/performance.md, "What each index
 * serves"), on the statements the library really sends: a second library handle on the same test
 * database runs over a postgres.js client whose `debug` hook records every statement and its
 * parameters; each recorded statement is then EXPLAINed (FORMAT JSON) as a prepared statement with
 * those parameters, both as a custom plan (what the first executions get) and, for the ordered
 * lists, as a generic plan (what postgres.js's named statements may get from the sixth execution on).
 * No timing: only which index serves the read, and that no Sort runs over the whole matching set
 * where an index gives the order.
 *
 * PostgreSQL server only: PGlite has no `debug` hook to record statements (the plans are the same
 * planner's, and CI sets ORION_TEST_POSTGRES_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, FlowRun } from '../../src/index.js';
import { createTestDatabase, resolvePostgresSource } from '../../src/testing/index.js';
import { type PlanNode, jsonPlan, nodes } from '../support/plans.js';
import { type Traced, tracedHandle } from '../support/traced-client.js';

const source = await resolvePostgresSource();
const RUNS = 20_000;
const DEPLOYMENTS = 50;
describe.skipIf(source.kind === 'pglite')('PostgreSQL plans of the hot reads, 20k runs and logs', () => {
  let db: Database;
  let tracer: Traced;
  let deploymentId: string;
  const logRun = '00000000-0000-7000-8000-000000000007';

  beforeAll(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
    const flow = await db.flows.create({ name: 'bulk' });
    await db.workPools.create({ name: 'pool' });
    const queue = await db.workQueues.getByName('pool', 'default');
    const deployments: string[] = [];
    for (let d = 0; d < DEPLOYMENTS; d++) {
      const dep = await db.deployments.upsert({ flowId: flow.id, name: `d${d}`, workPoolName: 'pool' });
      deployments.push(dep.id);
    }
    deploymentId = deployments[7]!;
    // Run i: 1% SCHEDULED and due, 1% RUNNING, 5% FAILED, the rest COMPLETED; deployment i/100 % 50;
    // start times one second apart; 1,000 names, so one name is 0.1% of the runs (as bench/runs-seed.mjs).
    await db.transaction(async (tx) => {
      await tx.execute('set local statement_timeout = 0');
      await tx.execute(`
        insert into flow_run (id, created, updated, name, state_type, state_name, state_timestamp,
          expected_start_time, next_scheduled_start_time, start_time, end_time, flow_id, deployment_id,
          work_queue_id, work_queue_name)
        select ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, t, t,
          'brave-' || lpad((i % 1000)::text, 4, '0'), s.type, initcap(s.type), t, t,
          case when s.type = 'SCHEDULED' then t end, case when s.type <> 'SCHEDULED' then t end,
          case when s.type not in ('SCHEDULED', 'RUNNING') then t + interval '500 ms' end,
          '${flow.id}', ('{${deployments.join(',')}}'::uuid[])[1 + (i / 100) % ${DEPLOYMENTS}],
          '${queue!.id}', 'default'
        from generate_series(0, ${RUNS - 1}) as i,
          lateral (select timestamptz '2026-01-01' + i * interval '1 second' as t,
            case when i % 100 = 0 then 'SCHEDULED' when i % 100 = 1 then 'RUNNING'
                 when i % 100 <= 6 then 'FAILED' else 'COMPLETED' end as type) as s`);
      // One task run per flow run, with the same times (NULL next scheduled start but for 1%, NULL
      // end for the SCHEDULED and RUNNING ones), for the task-run sorts.
      await tx.execute(`
        insert into task_run (id, created, updated, name, state_type, state_name, state_timestamp,
          expected_start_time, next_scheduled_start_time, start_time, end_time, flow_run_id, task_key,
          dynamic_key)
        select ('00000000-0000-7001-8000-' || lpad(to_hex(i), 12, '0'))::uuid, t, t,
          'task-' || lpad((i % 1000)::text, 4, '0'), s.type, initcap(s.type), t, t,
          case when s.type = 'SCHEDULED' then t end, case when s.type <> 'SCHEDULED' then t end,
          case when s.type not in ('SCHEDULED', 'RUNNING') then t + interval '500 ms' end,
          ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'task', i::text
        from generate_series(0, ${RUNS - 1}) as i,
          lateral (select timestamptz '2026-01-01' + i * interval '1 second' as t,
            case when i % 100 = 0 then 'SCHEDULED' when i % 100 = 1 then 'RUNNING'
                 else 'COMPLETED' end as type) as s`);
      // As many logs as runs: 1,000 (more than a page) for each of the first runs, each run's in one
      // stretch of time as a run writes them (log i: run i / 1000).
      await tx.execute(`
        insert into log (id, created, updated, name, level, flow_run_id, message, timestamp)
        select gen_random_uuid(), now(), now(), 'p', 20,
          ('00000000-0000-7000-8000-' || lpad(to_hex(i / 1000), 12, '0'))::uuid, 'line ' || i,
          timestamptz '2026-01-01' + i * interval '1 second'
        from generate_series(0, ${RUNS - 1}) as i`);
    });
    await db.execute('vacuum analyze flow_run');
    await db.execute('vacuum analyze log');
    await db.execute('vacuum analyze task_run');

    // The traced handle: the same database, over a client that records what the library sends.
    const [{ name }] = (await db.execute<{ name: string }>('select current_database() as name')) as [
      { name: string },
    ];
    const url = new URL((source as { url: string }).url);
    url.pathname = `/${name}`;
    tracer = await tracedHandle(url.toString());
  }, 120_000);

  afterAll(async () => {
    await tracer?.close();
    await db?.close();
  });

  /** The statements `read` sends through the library, recorded. */
  async function statementsOf(read: (d: Database) => Promise<unknown>) {
    return (await tracer.record(read)).statements;
  }

  /** The one recorded statement of `read` that reads `table` (a list is one SELECT). */
  async function statementOf(read: (d: Database) => Promise<unknown>, pattern: RegExp) {
    const matching = (await statementsOf(read)).filter((s) => pattern.test(s.text));
    expect(matching.map((s) => s.text)).toHaveLength(1);
    return matching[0]!;
  }

  const planOf = (statement: { text: string; params: unknown[] }, generic = false) =>
    jsonPlan(db, statement, generic);

  const indexesOf = (plan: PlanNode[]) => plan.map((n) => n['Index Name']).filter(Boolean);
  const sorts = (plan: PlanNode[]) => plan.filter((n) => /Sort/.test(n['Node Type']));
  const seqScans = (plan: PlanNode[]) => plan.filter((n) => n['Node Type'] === 'Seq Scan');

  /** An ordered page: read in index order, custom and generic plans alike, with no Sort at all. */
  async function expectOrderedBy(read: (d: Database) => Promise<unknown>, table: RegExp, index: string) {
    const statement = await statementOf(read, table);
    for (const generic of [false, true]) {
      const plan = await planOf(statement, generic);
      expect({ generic, indexes: indexesOf(plan) }).toEqual({ generic, indexes: [index] });
      expect(sorts(plan)).toEqual([]);
      expect(seqScans(plan)).toEqual([]);
    }
  }

  it('reads a page of one state in START_TIME_DESC order from (state_type, start time desc, id desc)', async () => {
    const read = (d: Database) =>
      d.flowRuns.list({
        where: { state: { type: { any: ['FAILED'] } } },
        sort: 'START_TIME_DESC',
        limit: 200,
      });
    await expectOrderedBy(read, /from "flow_run"/, 'ix_flow_run__state_type_start_time_or_expected_id');
    const page = await db.flowRuns.list({
      where: { state: { type: { any: ['FAILED'] } } },
      sort: 'START_TIME_DESC',
      limit: 200,
    });
    expect(page).toHaveLength(200);
    expect(page[0]!.id).toBe('00000000-0000-7000-8000-000000004dc2'); // run 19,906: the last FAILED
  });

  it('reads a page of one deployment in START_TIME_DESC order from (deployment_id, start time desc, id desc)', async () => {
    const read = (d: Database) =>
      d.flowRuns.list({
        where: { deploymentId: { any: [deploymentId] } },
        sort: 'START_TIME_DESC',
        limit: 200,
      });
    await expectOrderedBy(read, /from "flow_run"/, 'ix_flow_run__deployment_id_start_time_or_expected_id');
  });

  it('reads an unfiltered START_TIME_DESC page from (start time desc nulls last, id desc)', async () => {
    const read = (d: Database) => d.flowRuns.list({ sort: 'START_TIME_DESC', limit: 200 });
    await expectOrderedBy(read, /from "flow_run"/, 'ix_flow_run__start_time_or_expected_id');
  });

  // Revision 11 (sort_indexes): a sort on a nullable column reads an index in its own order (`nulls
  // last` both ways, id as the tie-break). Before it, each of these sorted every run for a page.
  it.each([
    ['flowRuns', 'EXPECTED_START_TIME_DESC', 'ix_flow_run__expected_start_time_id'],
    ['flowRuns', 'END_TIME_DESC', 'ix_flow_run__end_time_id'],
    ['flowRuns', 'NEXT_SCHEDULED_START_TIME_ASC', 'ix_flow_run__next_scheduled_start_time_id'],
    ['taskRuns', 'EXPECTED_START_TIME_DESC', 'ix_task_run__expected_start_time_id'],
    ['taskRuns', 'END_TIME_DESC', 'ix_task_run__end_time_id'],
    ['taskRuns', 'NEXT_SCHEDULED_START_TIME_ASC', 'ix_task_run__next_scheduled_start_time_id'],
    ['taskRuns', 'START_TIME_DESC', 'ix_task_run__start_time_or_expected_id'],
  ] as const)('reads an unfiltered %s %s page from %s without sorting', async (repo, sort, index) => {
    const read = (d: Database) => d[repo].list({ sort, limit: 200 });
    await expectOrderedBy(read, repo === 'flowRuns' ? /from "flow_run"/ : /from "task_run"/, index);
    expect(await read(db)).toHaveLength(200);
  });

  // As flow runs' START_TIME_ASC: the ascending index read forwards, ties by id an Incremental Sort.
  it('reads a task-run START_TIME_ASC page from the coalesce(start_time, expected_start_time) index', async () => {
    const read = (d: Database) => d.taskRuns.list({ sort: 'START_TIME_ASC', limit: 200 });
    const statement = await statementOf(read, /from "task_run"/);
    for (const generic of [false, true]) {
      const plan = await planOf(statement, generic);
      expect({ generic, indexes: indexesOf(plan) }).toEqual({
        generic,
        indexes: ['ix_task_run__start_time_or_expected'],
      });
      expect(sorts(plan).map((n) => n['Node Type'])).toEqual(['Incremental Sort']);
      expect(seqScans(plan)).toEqual([]);
    }
    const page = await read(db);
    expect(page[0]!.id).toBe('00000000-0000-7001-8000-000000000000');
  });

  // A NOT NULL sort column is ordered without NULLS LAST, so its index serves both directions
  // (scanned backwards for DESC); the id tie-break is an Incremental Sort of one name's runs at a time.
  it.each(['NAME_ASC', 'NAME_DESC'] as const)(
    'reads a %s page from the name index, never sorting every run',
    async (sort) => {
      const read = (d: Database) => d.flowRuns.list({ sort, limit: 200 });
      const statement = await statementOf(read, /from "flow_run"/);
      for (const generic of [false, true]) {
        const plan = await planOf(statement, generic);
        expect({ generic, indexes: indexesOf(plan) }).toEqual({ generic, indexes: ['ix_flow_run__name'] });
        expect(sorts(plan).map((n) => n['Node Type'])).toEqual(['Incremental Sort']);
        expect(seqScans(plan)).toEqual([]);
      }
      const page = await db.flowRuns.list({ sort, limit: 200 });
      const names = page.map((r) => r.name);
      expect(names[0]).toBe(sort === 'NAME_ASC' ? 'brave-0000' : 'brave-0999');
      expect(names).toEqual([...names].sort((a, b) => (sort === 'NAME_ASC' ? 1 : -1) * a.localeCompare(b)));
    },
  );

  it('reads a page of one run’s logs from (flow_run_id, timestamp)', async () => {
    const read = (d: Database) => d.logs.list({ where: { flowRunId: { any: [logRun] } }, limit: 200 });
    await expectOrderedBy(read, /from "?log"? /i, 'ix_log__flow_run_id_timestamp_id');
    expect(await db.logs.list({ where: { flowRunId: { any: [logRun] } }, limit: 200 })).toHaveLength(200);
  });

  it('searches a 0.1% name substring with the trigram index, not by walking the primary key', async () => {
    const read = (d: Database) => d.flowRuns.list({ where: { name: { like: 'Brave-0042' } }, limit: 200 });
    const plan = await planOf(await statementOf(read, /from "flow_run"/));
    expect(indexesOf(plan)).toEqual(['ix_flow_run__name_trgm']);
    expect(seqScans(plan)).toEqual([]);
    // The Sort is of the 50 matches only, under the bitmap scan of the trigram index.
    expect(await db.flowRuns.count({ where: { name: { like: 'Brave-0042' } } })).toBe(RUNS / 1000);
  });

  it("reads the due runs in claim order from the partial claim index, stopping at the claim's size", async () => {
    const statements = await statementsOf((d) =>
      d.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: 100 }),
    );
    const tops = statements.filter((s) => /with ordinality as orion_q/i.test(s.text));
    expect(tops).toHaveLength(1);
    for (const generic of [false, true]) {
      const plan = await planOf(tops[0]!, generic);
      expect(indexesOf(plan)).toContain('ix_flow_run__scheduled_work_queue_id_next_scheduled_st_110be5e8');
      // The index gives each queue's order: a sort (by rank, then due time) runs only over the
      // queues' top-k, above their LIMITs, never over a queue's due runs.
      const unbounded = sorts(plan).filter((n) => !nodes(n).some((below) => below['Node Type'] === 'Limit'));
      expect(unbounded).toEqual([]);
      expect(seqScans(plan).filter((n) => n['Relation Name'] === 'flow_run')).toEqual([]);
    }
  });

  it('a claim locks its runs in claim order from the partial claim index: no sort, the LIMIT above the lock', async () => {
    const undo = new Error('undo');
    const statements = await statementsOf((d) =>
      d
        .transaction(async (tx) => {
          await tx.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 100 });
          throw undo;
        })
        .catch((error: unknown) => {
          if (error !== undo) throw error;
        }),
    );
    const locking = statements.filter((s) => /for update of "flow_run" skip locked/i.test(s.text));
    expect(locking.length).toBeGreaterThan(0);
    for (const generic of [false, true]) {
      const plan = await planOf(locking[0]!, generic);
      // The pool read locks the first queue's runs (readPoolAndQueues): the lock's subtree is the
      // ordered read of the runs, whatever reads the pool and its queues around it.
      const lock = plan.findIndex((n) => n['Node Type'] === 'LockRows');
      expect(lock).toBeGreaterThan(0);
      const runs = nodes(plan[lock]!);
      expect(indexesOf(runs)).toContain('ix_flow_run__scheduled_work_queue_id_next_scheduled_st_110be5e8');
      expect(sorts(runs)).toEqual([]);
      expect(seqScans(plan).filter((n) => n['Relation Name'] === 'flow_run')).toEqual([]);
      // Limit over LockRows: rows skipped as locked do not count, rows past the limit are not locked.
      const above = plan.filter((n) => (n.Plans ?? []).includes(plan[lock]!));
      expect(above.map((n) => n['Node Type'])).toEqual(['Limit']);
      if (process.env.ORION_DUMP_PLAN) console.log(JSON.stringify(plan[0], null, 1));
    }
  });

  it("probes each limited deployment for one due run, not the polled queues' whole backlog", async () => {
    await db.deployments.update(deploymentId, { concurrencyLimit: 5 });
    try {
      const statements = await statementsOf((d) =>
        d.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: 100 }),
      );
      const probes = statements.filter((s) => /orion_due/.test(s.text));
      expect(probes).toHaveLength(1);
      for (const generic of [false, true]) {
        const plan = await planOf(probes[0]!, generic);
        // Driven from the deployments: a Limit (one due run) under the nested loop, over an index.
        expect(plan.some((n) => n['Node Type'] === 'Limit')).toBe(true);
        expect(seqScans(plan).filter((n) => n['Relation Name'] === 'flow_run')).toEqual([]);
        expect(
          plan.filter((n) => n['Node Type'] === 'Hash Join' || n['Node Type'] === 'Hash Semi Join'),
        ).toEqual([]);
      }
    } finally {
      await db.deployments.update(deploymentId, { concurrencyLimit: null });
    }
  });

  it("reads a limited deployment's oldest due runs through the partial fairness index", async () => {
    await db.deployments.update(deploymentId, { concurrencyLimit: 5 });
    try {
      const statements = await statementsOf((d) =>
        d.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: 100 }),
      );
      const topK = statements.filter((s) => /orion_cap/i.test(s.text));
      expect(topK).toHaveLength(1);
      const plan = await planOf(topK[0]!);
      expect(indexesOf(plan)).toContain('ix_flow_run__scheduled_work_queue_id_deployment_id_nex_935e3c5c');
      expect(seqScans(plan).filter((n) => n['Relation Name'] === 'flow_run')).toEqual([]);
    } finally {
      await db.deployments.update(deploymentId, { concurrencyLimit: null });
    }
  });

  /** Puts claimed runs back as they were: the other tests (in any order) read the same backlog. */
  async function putBack(due: FlowRun[], claimed: { id: string }[]) {
    await db.transaction(async (tx) => {
      for (const run of due.filter((r) => claimed.some((c) => c.id === r.id)))
        await tx.execute(
          `update flow_run set state_type = 'SCHEDULED', state_name = 'Scheduled', state_id = ${run.stateId ? `'${run.stateId}'` : 'null'}, next_scheduled_start_time = '${run.nextScheduledStartTime!.toISOString()}' where id = '${run.id}'`,
        );
    });
  }

  // Each round trip wakes Node and the server (issue 13, claim-drain-1 and -16).
  it('a claim beside no limited deployment is one statement, committing by itself: the pool read, the runs locked, their states, the runs and the marks', async () => {
    /** Claims 10 through the traced handle, recording, and puts the claimed runs back. */
    const claimRecorded = async () => {
      const due = await db.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: 10 });
      let claimed: { id: string }[] = [];
      try {
        const recorded = await tracer.record(async (d) => {
          claimed = await d.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 10 });
        });
        expect(claimed.map((r) => r.id)).toEqual(due.map((r) => r.id));
        return recorded;
      } finally {
        await putBack(due, claimed);
      }
    };
    // Once before: a statement new on a connection is described first, a round trip of its own.
    await claimRecorded();
    const { statements, trips } = await claimRecorded();
    expect(statements).toHaveLength(1);
    expect(statements[0]!.text).toMatch(/for update of "flow_run" skip locked/i);
    expect(statements[0]!.text).toMatch(/insert into "flow_run_state"/i);
    expect(statements[0]!.text).toMatch(/orion_queue_marks/);
    expect(trips).toEqual([['with']]);
    // The state ids' array is cast once (an InitPlan), not for each run moved: inline, the cast is
    // not folded (array input is only stable) and parsed the whole list per run (issue 13).
    for (const generic of [false, true]) {
      const plan = await jsonPlan(db, statements[0]!, generic, true);
      const moved = plan.find((n) => n['Node Type'] === 'CTE Scan' && n['CTE Name'] === 'orion_locked');
      const stateId = (moved?.Output ?? []).filter((o) => /orion_n\]/.test(o));
      expect({ generic, stateId }).toEqual({ generic, stateId: [expect.not.stringMatching(/uuid\[\]/)] });
    }
  });

  it('a claim beside a limited deployment with due runs writes nothing in the one statement and goes the general way', async () => {
    await db.deployments.update(deploymentId, { concurrencyLimit: 1000 });
    const due = await db.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: 10 });
    let claimed: { id: string }[] = [];
    try {
      const { trips } = await tracer.record(async (d) => {
        claimed = await d.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 10 });
      });
      expect(claimed.map((r) => r.id)).toEqual(due.map((r) => r.id));
      expect(trips[0]).toEqual(['with']);
      expect(trips[1]).toEqual(['begin', 'select']);
      expect(trips.at(-1)).toContain('commit');
    } finally {
      await putBack(due, claimed);
      await db.deployments.update(deploymentId, { concurrencyLimit: null });
    }
  });

  it('a claim that names its worker sends its heartbeat after the write, so COMMIT waits for it', async () => {
    const due = await db.workQueues.getScheduledRuns({ workPoolName: 'pool', limit: 2 });
    let claimed: { id: string }[] = [];
    try {
      const { trips } = await tracer.record(async (d) => {
        claimed = await d.workQueues.claimScheduledRuns({ workPoolName: 'pool', limit: 2, workerName: 'w' });
      });
      expect(trips[0]).toEqual(['begin', 'select']);
      expect(trips.at(-1)).toEqual(['commit']);
    } finally {
      await putBack(due, claimed);
    }
  });
});
