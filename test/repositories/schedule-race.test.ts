import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, createDatabase } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { postgresIsServer } from '../support/dialects.js';
import {
  type ScheduleDrainResult,
  scheduleAndDrain,
  seedDeployments,
  verifySchedules,
} from '../support/schedule-worker.js';
import { runTs } from '../support/spawn.js';

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
    const db = await createTestDatabase({ dialect: 'postgresql' });
    const handles: Database[] = [];
    try {
      await seedDeployments(db, DEPLOYMENTS);
      for (let i = 0; i < 8; i++)
        handles.push(
          await createDatabase({
            url: db.settings.url,
            poolSize: 1,
            migrateOnOpen: false,
            timeoutSeconds: 120,
          }),
        );
      const results = await Promise.all(
        handles.map((h, i) => scheduleAndDrain(h, `pool-${i % 2}`, `worker-${i}`)),
      );
      await check(db, results);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await db.close();
    }
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
      const startAt = String(Date.now() + 1500);
      const children = await Promise.all(
        [0, 1, 0, 1].map((pool, i) =>
          runTs('test/fixtures/schedule-child.ts', [url, `pool-${pool}`, `worker-${i}`, startAt]),
        ),
      );
      const results = children.map((c) => {
        expect(c.code, c.stderr + c.stdout).toBe(0);
        return JSON.parse(c.stdout) as ScheduleDrainResult;
      });
      await check(db, results);
    } finally {
      await db.close();
    }
  }, 600_000);
});
