/**
 * How the bulk writer of scheduled runs cuts its statements: at most scheduledRunsPerStatement runs
 * (and as many states) a statement, never past the bind limit (SQLite 32,766, postgres.js 65,533
 * parameters), and for scheduleDue one bind-limit batch a transaction. Counts at, one past, and past
 * the bind limit's batch: every run written once with its one state and its state id, whatever the
 * cut. Same body on both dialects.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/index.js';
import { RUN_COLUMNS, STATE_COLUMNS, insertText } from '../../src/repositories/scheduled-runs/statements.js';
import { uuidv7 } from '../../src/schema/uuid.js';
import { scheduledRunsPerStatement } from '../../src/repositories/scheduled-runs/write.js';
import { DIALECTS } from '../support/dialects.js';
import { dialectOf } from '../support/internals.js';
import { suiteDatabase } from '../support/suite-database.js';

const NOW = new Date('2026-06-01T00:00:00Z');

/** The row counts of the multi-row INSERTs into `table` that `db` sends while `fn` runs. */
async function insertsDuring(db: Database, fn: () => Promise<unknown>) {
  const dialect = dialectOf(db);
  const sent: { table: string; rows: number; parameters: number }[] = [];
  const record = (text: string, params: readonly unknown[]) => {
    const table = /^insert into "(flow_run|flow_run_state)" /.exec(text)?.[1];
    if (!table) return;
    const width = table === 'flow_run' ? RUN_COLUMNS.length : STATE_COLUMNS.length;
    sent.push({ table, rows: params.length / width, parameters: params.length });
  };
  const originalQuery = dialect.queryArrays.bind(dialect);
  const originalRun = dialect.runText.bind(dialect);
  const query = vi.spyOn(dialect, 'queryArrays').mockImplementation((q, text, params) => {
    record(text, params);
    return originalQuery(q, text, params);
  });
  const run = vi.spyOn(dialect, 'runText').mockImplementation((q, text, params) => {
    record(text, params);
    return originalRun(q, text, params);
  });
  try {
    await fn();
  } finally {
    query.mockRestore();
    run.mockRestore();
  }
  return sent;
}

/** Runs of the deployment, those pointing at a state of their own, and their states. */
async function counts(db: Database, deploymentId: string) {
  const [row] = await db.execute<{ runs: number; pointing: number; states: number }>(
    sql`select
      (select count(*) from flow_run where deployment_id = ${deploymentId}) as runs,
      (select count(*) from flow_run r join flow_run_state s on s.id = r.state_id and s.flow_run_id = r.id
        where r.deployment_id = ${deploymentId} and s.type = 'SCHEDULED') as pointing,
      (select count(*) from flow_run_state s join flow_run r on r.id = s.flow_run_id
        where r.deployment_id = ${deploymentId}) as states`,
  );
  return { runs: Number(row!.runs), pointing: Number(row!.pointing), states: Number(row!.states) };
}

describe.each(DIALECTS)('scheduled runs go in bounded statements (%s)', (dialect) => {
  const db = suiteDatabase(dialect);
  const perStatement = () => scheduledRunsPerStatement(dialectOf(db()));
  /** Runs one statement could bind at most: the bind limit's batch. */
  const perBatch = () => Math.floor(dialectOf(db()).capabilities.maxParameters / RUN_COLUMNS.length);

  const deploy = async (name: string) => {
    const flow = await db().flows.create({ name });
    return db().deployments.upsert({
      flowId: flow.id,
      name,
      schedules: [{ schedule: { interval: 60, anchorDate: NOW.toISOString() } }],
    });
  };

  it.each([
    ['one statement', () => perStatement()],
    ['one past a statement', () => perStatement() + 1],
    ['one past the bind limit', () => perBatch() + 1],
  ])('scheduleRuns: %s', async (name, size) => {
    const runs = size();
    const dep = await deploy(name.replaceAll(' ', '-'));
    const window = { start: NOW, end: new Date(NOW.getTime() + 30 * 86_400_000), max: runs };
    let written: unknown[] = [];
    const sent = await insertsDuring(db(), async () => {
      written = await db().deployments.scheduleRuns(dep.id, window);
    });
    expect(written).toHaveLength(runs);
    const runStatements = sent.filter((s) => s.table === 'flow_run');
    // Bind-limit batches (scheduleDue's transactions), each cut into statements.
    const expected: number[] = [];
    for (let batch = 0; batch < runs; batch += perBatch()) {
      const inBatch = Math.min(perBatch(), runs - batch);
      for (let from = 0; from < inBatch; from += perStatement())
        expected.push(Math.min(perStatement(), inBatch - from));
    }
    expect(runStatements.map((s) => s.rows)).toEqual(expected);
    expect(sent.filter((s) => s.table === 'flow_run_state').map((s) => s.rows)).toEqual(
      runStatements.map((s) => s.rows),
    );
    for (const s of sent)
      expect(s.parameters).toBeLessThanOrEqual(dialectOf(db()).capabilities.maxParameters);
    expect(await counts(db(), dep.id)).toEqual({ runs, pointing: runs, states: runs });
    // Nothing is missing, so nothing is written again.
    expect(await db().deployments.scheduleRuns(dep.id, window)).toEqual([]);
    expect(await counts(db(), dep.id)).toEqual({ runs, pointing: runs, states: runs });
  });
});

describe.each(DIALECTS)('a run another writer committed first is skipped (%s)', (dialect) => {
  const db = suiteDatabase(dialect);

  it('gets no second run and no state; the rest of the statement is written with states', async () => {
    const flow = await db().flows.create({ name: 'first' });
    const dep = await db().deployments.upsert({
      flowId: flow.id,
      name: 'first',
      schedules: [{ schedule: { interval: 60, anchorDate: NOW.toISOString() } }],
    });
    const d = dialectOf(db());
    const original = d.queryArrays.bind(d);
    let rival: string | undefined;
    // Between the re-read of existing keys and the INSERT, a run with the first key appears (the
    // write of a scheduler that committed first, without its state): the INSERT must skip it.
    const spy = vi.spyOn(d, 'queryArrays').mockImplementation(async (q, text, params) => {
      if (rival === undefined && text.startsWith('insert into "flow_run" ')) {
        rival = uuidv7();
        await original(q, insertText(d, 'flowRun', 1), [rival, ...params.slice(1, RUN_COLUMNS.length)]);
      }
      return original(q, text, params);
    });
    let written: { id: string }[];
    try {
      written = await db().deployments.scheduleRuns(dep.id, {
        start: NOW,
        end: new Date(NOW.getTime() + 3_600_000),
      });
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(59);
    expect(written.map((r) => r.id)).not.toContain(rival);
    expect(await counts(db(), dep.id)).toEqual({ runs: 60, pointing: 59, states: 59 });
    expect((await db().flowRuns.get(rival!))!.stateId).toBeNull();
  });
});

describe.each(DIALECTS)('scheduleDue writes one bind-limit batch a transaction (%s)', (dialect) => {
  const db = suiteDatabase(dialect);

  it('one past the bind limit: two transactions, every run once with its state', async () => {
    const batch = Math.floor(dialectOf(db()).capabilities.maxParameters / RUN_COLUMNS.length);
    const flow = await db().flows.create({ name: 'due' });
    const dep = await db().deployments.upsert({
      flowId: flow.id,
      name: 'due',
      schedules: [{ schedule: { interval: 60, anchorDate: NOW.toISOString() } }],
    });
    const options = { now: NOW, minRuns: batch + 1, maxRuns: batch + 1, minTime: '1m' };
    const runs = await db().deployments.scheduleDue(options);
    expect(runs).toHaveLength(batch + 1);
    // Each transaction stamps its runs with its own clock.
    const sizes = new Map<number, number>();
    for (const run of runs) sizes.set(run.created.getTime(), (sizes.get(run.created.getTime()) ?? 0) + 1);
    expect([...sizes.values()].sort((a, b) => a - b)).toEqual([1, batch]);
    expect(await counts(db(), dep.id)).toEqual({ runs: batch + 1, pointing: batch + 1, states: batch + 1 });
    expect(await db().deployments.scheduleDue(options)).toEqual([]);
  });
});
