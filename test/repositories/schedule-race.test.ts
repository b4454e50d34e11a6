import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, createDatabase } from '../../src/index.js';
import { postgresIsServer } from '../support/dialects.js';
import {
  type ScheduleDrainResult,
  scheduleAndDrain,
  seedDeployments,
  verifySchedules,
} from '../support/schedule-worker.js';
import { raceChildren, withPostgresHandles } from '../support/race.js';

const serverAvailable = await postgresIsServer();
const DEPLOYMENTS = 200;

// Issue 11, done means: scheduleDue and claimScheduledRuns racing over 200 deployments.
async function check(db: Database, results: ScheduleDrainResult[]) {
  const v = await verifySchedules(db, results, DEPLOYMENTS);
  expect(v.violations).toEqual([]);
  expect(v.duplicateInstants).toBe(0);
  expect(v.runs).toBe(v.total);
  expect(v.created).toBe(v.total);
  expect(v.distinctCreated).toBe(v.total);
  expect(v.claimed).toBe(v.total);
  expect(v.distinctClaimed).toBe(v.total);
  expect(v.completed).toBe(v.total);
  expect(v.pendings).toBe(v.total);
}

describe.runIf(serverAvailable)('scheduling race on PostgreSQL', () => {
  it('8 connections call scheduleDue and claim at once: no duplicate run, no double claim, every limit held', async () => {
    await withPostgresHandles(8, async (db, handles) => {
      await seedDeployments(db, DEPLOYMENTS);
      const now = new Date();
      const results = await Promise.all(
        handles.map((h, i) => scheduleAndDrain(h, `pool-${i % 2}`, `worker-${i}`, now)),
      );
      await check(db, results);
    });
  }, 600_000);
});

describe('scheduling race on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-schedule-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('4 processes call scheduleDue and claim at once: no duplicate run, no double claim, every limit held', async () => {
    const url = join(dir, 'schedules.db');
    const db = await createDatabase({ url });
    try {
      await seedDeployments(db, DEPLOYMENTS);
      const now = new Date().toISOString();
      const results = await raceChildren<ScheduleDrainResult>(
        'test/fixtures/schedule-child.ts',
        [0, 1, 0, 1].map((pool, i) => [url, `pool-${pool}`, `worker-${i}`, now]),
      );
      await check(db, results);
    } finally {
      await db.close();
    }
  }, 600_000);
});
