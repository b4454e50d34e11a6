/**
 * SQLite only: the one-statement acquire and release (limits/one-statement.ts) build no temporary
 * b-tree per execution. Their parameters once came in through `UPDATE ... FROM (SELECT ?...) AS p`,
 * which SQLite materialises into a temporary table on every run (`MATERIALIZE p`): up to 3-4x the
 * CPU of the UPDATE itself (issue 13). PostgreSQL's texts keep that row (its planner folds it), so
 * the check is this dialect's. The statements are the ones the library prepared on a connection
 * handed in, caught as it prepares them, and each is asked for its plan with EXPLAIN QUERY PLAN.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, createDatabase } from '../../src/index.js';

describe('SQLite plans for the one-statement limit calls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-limits-plan-'));
  const client = new Sqlite(join(dir, 'limits.db'));
  const prepared = new Set<string>();
  let db: Database;

  beforeAll(async () => {
    const prepare = client.prepare.bind(client);
    client.prepare = ((source: string) => {
      if (/^update concurrency_limit_v2 as c\b/i.test(source)) prepared.add(source);
      return prepare(source);
    }) as typeof client.prepare;
    db = await createDatabase({ client });
    await db.globalConcurrencyLimits.create({ name: 'plan', limit: 1 });
    // A grant, a denial and a release: the three statements of the path.
    expect((await db.globalConcurrencyLimits.acquire({ names: ['plan'], slots: 1 })).acquired).toBe(true);
    expect((await db.globalConcurrencyLimits.acquire({ names: ['plan'], slots: 1 })).acquired).toBe(false);
    await db.globalConcurrencyLimits.release({ names: ['plan'], slots: 1 });
  });

  afterAll(async () => {
    await db?.close();
    client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the limit through its name index with no temporary table', () => {
    expect(prepared.size).toBe(3);
    for (const source of prepared) {
      const statement = client.prepare(`explain query plan ${source}`);
      // Named parameters take an object; the positional spelling (name, slots, clock, clock, occupancy) a list.
      const named = Object.fromEntries(
        (source.match(/@\w+/g) ?? []).map((name) => [name.slice(1), name === '@limit_name' ? 'plan' : 1]),
      );
      const rows = source.includes('@') ? statement.all(named) : statement.all('plan', 1, 1, 1, null);
      const plan = (rows as { detail: string }[]).map((row) => row.detail).join('\n');
      expect(plan).toMatch(/SEARCH c USING INDEX uq_concurrency_limit_v2__name \(name=\?\)/);
      expect(plan).not.toMatch(/MATERIALIZE|SCAN p\b|TEMP B-TREE/);
    }
  });

  it('gives the same answers: granted, then denied with an estimate, then free again', async () => {
    const limit = await db.globalConcurrencyLimits.getByName('plan');
    expect(limit).toMatchObject({ activeSlots: 0, deniedSlots: 1 });
    expect((await db.globalConcurrencyLimits.acquire({ names: ['plan'], slots: 1 })).acquired).toBe(true);
  });
});
