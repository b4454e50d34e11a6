/**
 * scheduleDue writes a deployment's missing runs one insert batch (at most MAX_STATEMENT_BYTES) per
 * transaction: runs that copy large parameters must not make one transaction of hundreds of
 * megabytes, which on SQLite held the one write lock past every other writer's busy timeout (a
 * fresh user's trial: 696 runs of 1.5 MB, 19 s, a concurrent create failed). Each transaction
 * stamps its runs with its own clock, so the distinct `created` times count the transactions.
 * Same body on both dialects.
 */
import { describe, expect, it } from 'vitest';
import { MAX_STATEMENT_BYTES } from '../../src/repositories/batches.js';
import { DIALECTS } from '../support/dialects.js';
import { suiteDatabase } from '../support/suite-database.js';

const NOW = new Date('2026-06-01T00:00:00Z');
/** 600 kB of parameters a run: 30 runs are past one statement's budget of 16 MiB. */
const BLOB = 'x'.repeat(600_000);
const RUNS = 30;

describe.each(DIALECTS)('scheduleDue writes large runs in bounded transactions (%s)', (dialect) => {
  const db = suiteDatabase(dialect);

  it('commits each batch of runs on its own, and writes every run once', async () => {
    const flow = await db().flows.create({ name: 'big' });
    const dep = await db().deployments.upsert({
      flowId: flow.id,
      name: 'big',
      parameters: { blob: BLOB },
      schedules: [{ schedule: { interval: 60, anchorDate: NOW.toISOString() } }],
    });
    const runs = await db().deployments.scheduleDue({
      now: NOW,
      minRuns: RUNS,
      maxRuns: RUNS,
      minTime: '1m',
    });
    expect(runs).toHaveLength(RUNS);
    expect(new Set(runs.map((r) => r.expectedStartTime!.getTime())).size).toBe(RUNS);
    const batches = new Map<number, number>();
    for (const run of runs) batches.set(run.created.getTime(), (batches.get(run.created.getTime()) ?? 0) + 1);
    expect(batches.size).toBeGreaterThanOrEqual(2);
    for (const size of batches.values()) expect(size * BLOB.length).toBeLessThanOrEqual(MAX_STATEMENT_BYTES);
    // Every run has its SCHEDULED state, and a second call finds nothing missing.
    for (const run of runs.slice(0, 3))
      expect((await db().flowRuns.states(run.id)).map((s) => s.type)).toEqual(['SCHEDULED']);
    expect(
      await db().deployments.scheduleDue({ now: NOW, minRuns: RUNS, maxRuns: RUNS, minTime: '1m' }),
    ).toEqual([]);
    expect(await db().flowRuns.count({ deployment: { id: { any: [dep.id] } } })).toBe(RUNS);
  });
});
