/**
 * Prefect's in-memory URL asks for one database shared by every connection of the process (issue
 * 12 §2): handles opened with a shared-cache in-memory URL see one database; a private `:memory:`
 * stays private; opening it again never migrates it twice or loses what is in it.
 */
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../src/index.js';
import { loadRevisions } from '../src/migrations/revisions.js';

const PREFECT_MEMORY = 'sqlite+aiosqlite:///file::memory:?cache=shared&uri=true&check_same_thread=false';
const open = (url: string) => createDatabase({ url, isolated: true });

describe('shared in-memory SQLite', () => {
  it("two handles opened with Prefect's in-memory URL see one database", async () => {
    const a = await open(PREFECT_MEMORY);
    const b = await open(PREFECT_MEMORY);
    try {
      const flow = await a.flows.create({ name: 'written-by-a' });
      expect((await b.flows.get(flow.id))?.name).toBe('written-by-a');
      await b.flows.create({ name: 'written-by-b' });
      expect((await a.flows.list()).map((f) => f.name).sort()).toEqual(['written-by-a', 'written-by-b']);
      // Closing one handle leaves the database to the other.
      await a.close();
      expect(await b.flows.count()).toBe(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a private :memory: stays private, and shared databases of different names are apart', async () => {
    const dbs = await Promise.all(
      [
        ':memory:',
        ':memory:',
        'sqlite:///file:jobs?mode=memory&cache=shared',
        'file::memory:?cache=shared',
      ].map(open),
    );
    try {
      const [p1, p2, jobs, prefect] = dbs as [
        (typeof dbs)[0],
        (typeof dbs)[0],
        (typeof dbs)[0],
        (typeof dbs)[0],
      ];
      await p1.flows.create({ name: 'private' });
      expect(await p2.flows.count()).toBe(0);
      await jobs.flows.create({ name: 'jobs' });
      expect(await prefect.flows.count()).toBe(0);
      expect(p1.settings.target).toEqual({ kind: 'sqlite', path: ':memory:' });
    } finally {
      for (const db of dbs) await db.close();
    }
  });

  it('handles opened at once migrate it once; a later open keeps its rows; it ends with its last handle', async () => {
    const url = 'file:once?mode=memory&cache=shared';
    const first = await Promise.all([open(url), open(url), open(url)]);
    const flow = await first[0]!.flows.create({ name: 'kept' });
    const later = await open(url);
    try {
      expect((await later.flows.get(flow.id))?.name).toBe('kept');
      // Each revision applied once: a second migration would have failed or recorded it twice.
      const applied = await later.execute<{ n: number }>('select count(*) as n from orion_migrations');
      expect(applied).toEqual([{ n: loadRevisions('sqlite').length }]);
    } finally {
      for (const db of [...first, later]) await db.close();
    }
    const fresh = await open(url);
    try {
      expect(await fresh.flows.count()).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});
