/**
 * Concurrent scheduleDue calls (found by a trial: 8 processes over 40 deployments, half of them
 * canceled by the 10 s statement timeout): schedulers must not queue behind each other redoing
 * work another one is doing, and every deployment still gets each run exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/index.js';
import { postgresIsServer } from '../support/dialects.js';
import { raceChildren, withPostgresHandles } from '../support/race.js';
import {
  SCHEDULE_DUE_OPTIONS,
  expectScheduledOnce,
  seedDueDeployments,
} from '../support/schedule-due-race.js';

const serverAvailable = await postgresIsServer();
const DEPLOYMENTS = 40;

describe.runIf(serverAvailable)('concurrent scheduleDue on PostgreSQL', () => {
  it('8 connections with the default statement timeout: no error, every run once', async () => {
    await withPostgresHandles(
      8,
      async (db, handles) => {
        const ids = await seedDueDeployments(db, DEPLOYMENTS);
        const created = await Promise.all(
          handles.map(async (h) => (await h.deployments.scheduleDue(SCHEDULE_DUE_OPTIONS)).map((r) => r.id)),
        );
        await expectScheduledOnce(db, ids, created);
      },
      10,
    );
  }, 300_000);

  it('a scheduler leaves the deployments another one is writing instead of waiting for it', async () => {
    // The leader's writes stay uncommitted while the follower runs: a follower that took the
    // deployment locks would wait for the leader, which waits for it, until the statement timeout.
    await withPostgresHandles(
      2,
      async (db, [leader, follower]) => {
        const ids = await seedDueDeployments(db, 3);
        const [led, followed] = await leader!.transaction(async (tx) => {
          const mine = await tx.deployments.scheduleDue(SCHEDULE_DUE_OPTIONS);
          return [mine, await follower!.deployments.scheduleDue(SCHEDULE_DUE_OPTIONS)];
        });
        expect(followed).toEqual([]);
        await expectScheduledOnce(db, ids, [led.map((r) => r.id)]);
        // Once the leader committed, a later call finds nothing missing and writes nothing.
        expect(await follower!.deployments.scheduleDue(SCHEDULE_DUE_OPTIONS)).toEqual([]);
      },
      3,
    );
  }, 120_000);
});

describe('concurrent scheduleDue on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-schedule-due-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('4 processes on one file: no error, every run once', async () => {
    const url = join(dir, 'due.db');
    const db = await createDatabase({ url });
    try {
      const ids = await seedDueDeployments(db, DEPLOYMENTS);
      const created = await raceChildren<string[]>('test/fixtures/schedule-due-child.ts', [
        [url],
        [url],
        [url],
        [url],
      ]);
      await expectScheduledOnce(db, ids, created);
    } finally {
      await db.close();
    }
  }, 300_000);
});
