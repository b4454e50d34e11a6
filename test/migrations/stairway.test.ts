import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { loadRevisions } from '../../src/migrations/revisions.js';
import { type BlankDatabase, blankDatabase } from '../support/blank-database.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('stairway over every revision (%s)', (dialect) => {
  let blank: BlankDatabase;
  let db: Database;
  beforeEach(async () => {
    blank = await blankDatabase(dialect);
    db = await blank.open();
  });
  afterEach(async () => {
    await db.close();
    await blank.dispose();
  });

  it('upgrades, downgrades one step and upgrades again to the same schema at every revision', async () => {
    const revisions = loadRevisions(dialect);
    expect(revisions.length).toBeGreaterThanOrEqual(2);
    const empty = await db.migrations.schema();
    expect(Object.keys(empty.tables)).toEqual([]);
    for (const revision of revisions) {
      await db.migrate({ to: revision.revision });
      const first = await db.migrations.schema();
      expect((await db.migrations.status()).current?.revision).toBe(revision.revision);
      const down = await db.migrate({ to: '-1' });
      expect(down.applied).toEqual([{ revision: revision.revision, name: revision.name, direction: 'down' }]);
      await db.migrate({ to: '+1' });
      expect(await db.migrations.schema()).toEqual(first);
    }
    await db.migrate({ to: 'base' });
    expect(await db.migrations.schema()).toEqual(empty);
    expect((await db.migrations.status()).current).toBeNull();
  });

  it('keeps rows seeded at the first revision intact after walking to head and back', async () => {
    const [first] = loadRevisions(dialect);
    await db.migrate({ to: first!.revision });
    const flowId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const runId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
    const t = dialect === 'sqlite' ? '1764000000000' : "'2025-11-24T16:00:00.000Z'";
    await db.execute(
      `insert into flow (id, created, updated, name, tags) values ('${flowId}', ${t}, ${t}, 'etl', '["a","b"]')`,
    );
    await db.execute(
      `insert into flow_run (id, created, updated, name, flow_id, state_type, parameters) values ('${runId}', ${t}, ${t}, 'brave-otter', '${flowId}', 'RUNNING', '{"x":1}')`,
    );
    const read = async () => ({
      flows: await db.execute('select id, name, tags from flow'),
      runs: await db.execute('select id, name, flow_id, state_type, parameters from flow_run'),
    });
    const before = await read();
    await db.migrate({ to: 'head' });
    expect(await read()).toEqual(before);
    await db.migrate({ to: first!.revision });
    expect(await read()).toEqual(before);
    expect(before.runs).toHaveLength(1);
  });
});
