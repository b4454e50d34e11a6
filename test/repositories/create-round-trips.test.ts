/**
 * Creating a run on PostgreSQL (issue 13): BEGIN travels with the first reference check (a read)
 * and, with an initial state, COMMIT with the transition (one statement there), so a create is
 * three round trips, not four or five. The rows are what they were: the same test also checks what
 * was written. PostgreSQL server only (the trips are read from the socket; SQLite and PGlite run
 * in-process, with no round trip to save).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase, resolvePostgresSource } from '../../src/testing/index.js';
import { type Traced, tracedHandle } from '../support/traced-client.js';

const source = await resolvePostgresSource();

describe.skipIf(source.kind === 'pglite')('round trips of creating runs (PostgreSQL server)', () => {
  let db: Database;
  let tracer: Traced;
  let flowId: string;
  let flowRunId: string;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase({ dialect: 'postgresql' });
    flowId = (await db.flows.create({ name: 'f' })).id;
    flowRunId = (await db.flowRuns.create({ flowId, state: { type: 'RUNNING' } })).id;
    const [{ name }] = (await db.execute<{ name: string }>('select current_database() as name')) as [
      { name: string },
    ];
    const url = new URL((source as { url: string }).url);
    url.pathname = `/${name}`;
    tracer = await tracedHandle(url.toString());
  });

  afterAll(async () => {
    await tracer?.close();
    await db?.close();
  });

  /** The trips of `create`, recorded the second time (a statement new on a connection is described first). */
  async function tripsOf(create: (d: Database) => Promise<{ id: string }>): Promise<string[][]> {
    await tracer.record(create);
    let id = '';
    const { trips } = await tracer.record(async (d) => {
      id = (await create(d)).id;
    });
    expect((await db.flowRuns.get(id)) ?? (await db.taskRuns.get(id))).not.toBeNull();
    return trips;
  }

  it('a flow run with a state: BEGIN with the flow check, the insert, the transition with COMMIT', async () => {
    const trips = await tripsOf((d) =>
      d.flowRuns.create({ flowId, tags: ['a'], state: { type: 'PENDING' } }),
    );
    expect(trips).toEqual([['begin', 'select'], ['insert'], ['with', 'commit']]);
    const [run] = await db.flowRuns.list({
      where: { flowId: { any: [flowId] }, state: { type: { any: ['PENDING'] } } },
    });
    expect(run).toMatchObject({ stateType: 'PENDING', tags: ['a'] });
    expect((await db.flowRuns.states(run!.id)).map((s) => s.type)).toEqual(['PENDING']);
  });

  it('a flow run without a state: BEGIN with the flow check, the insert, COMMIT', async () => {
    const trips = await tripsOf((d) => d.flowRuns.create({ flowId }));
    expect(trips).toEqual([['begin', 'select'], ['insert'], ['commit']]);
  });

  it('a task run with a state: BEGIN with the flow-run check, the insert, the transition with COMMIT', async () => {
    const trips = await tripsOf((d) =>
      d.taskRuns.create({ flowRunId, taskKey: 't', dynamicKey: String(n++), state: { type: 'RUNNING' } }),
    );
    expect(trips).toEqual([['begin', 'select'], ['insert'], ['with', 'commit']]);
  });

  it('a background task run (no flow run to check) waits for BEGIN before its insert', async () => {
    const trips = await tripsOf((d) => d.taskRuns.create({ taskKey: 'bg', dynamicKey: String(n++) }));
    expect(trips).toEqual([['begin'], ['insert'], ['commit']]);
  });

  it('a missing flow is a NotFoundError and leaves nothing behind, with BEGIN sent ahead', async () => {
    const missing = '00000000-0000-7000-8000-00000000dead';
    const before = await db.flowRuns.count();
    await expect(
      tracer.db.flowRuns.create({ flowId: missing, state: { type: 'PENDING' } }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    expect(await db.flowRuns.count()).toBe(before);
    // The connection goes on.
    expect(await tracer.db.flowRuns.create({ flowId })).toMatchObject({ flowId });
  });
});
