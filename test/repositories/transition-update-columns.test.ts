/**
 * On SQLite a state transition's run UPDATE names only the columns whose stored value changes, plus
 * the state pointer and `updated` (changedRunMask in run-transition-statements.ts): SQLite rewrites
 * the entries of every index on a column named in SET even when its value stays, and flow_run and
 * task_run index most bookkeeping columns (issue 13). The statements are recorded through the
 * better-sqlite3 client handed in; the stored rows before and after each transition are read
 * through the same client, so "changed" is what SQLite holds, not what the library returns.
 * SQLite only: on PostgreSQL a transition is one statement that computes every column from the
 * locked row (run-transition-cte.ts); the rules themselves are checked on both dialects by
 * bookkeeping-model.test.ts and set-state-now.test.ts.
 */
import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, STATE_TYPES, type StateType, createDatabase } from '../../src/index.js';

const BASE = Date.UTC(2026, 5, 1);
/** Columns every transition sets, changed or not (a new state row, a new time). */
const ALWAYS = ['state_id', 'state_type', 'state_name', 'state_timestamp', 'updated'];

const step = fc.record({
  type: fc.constantFrom(...STATE_TYPES),
  name: fc.option(fc.constantFrom('Custom', 'Late'), { nil: undefined }),
  offset: fc.option(fc.integer({ min: -5, max: 40 }), { nil: undefined }),
  scheduledIn: fc.option(fc.integer({ min: -100, max: 100 }), { nil: undefined }),
});

/** The columns named in the SET list of `update "<table>" set ... where`, as better-sqlite3's verbose prints it. */
function setColumns(statement: string, table: string): string[] | undefined {
  const match = new RegExp(`^update "${table}" set (.*) where "${table}"\\."id" = `, 's').exec(statement);
  if (!match) return undefined;
  return [...match[1]!.matchAll(/(?:^|, )"([a-z_]+)" = /g)].map((m) => m[1]!);
}

describe('setState on SQLite: the run UPDATE sets only what changes', () => {
  let client: Sqlite.Database;
  let db: Database;
  let flowId: string;
  let recorded: string[] = [];
  beforeAll(async () => {
    client = new Sqlite(':memory:', { verbose: (statement) => recorded.push(String(statement)) });
    db = await createDatabase({ client });
    await db.migrate();
    flowId = (await db.flows.create({ name: 'update-columns' })).id;
  });
  afterAll(async () => {
    await db.close();
    client.close();
  });

  it('property: the SET list is the changed columns and the state pointer, for flow and task runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        async (task, resuming, steps) => {
          const flowRun = await db.flowRuns.create({ flowId, empiricalPolicy: { retries: 1, resuming } });
          const table = task ? 'task_run' : 'flow_run';
          const runs = task ? db.taskRuns : db.flowRuns;
          const run = task
            ? await db.taskRuns.create({ flowRunId: flowRun.id, taskKey: 't', dynamicKey: '0' })
            : flowRun;
          const stored = client.prepare(`select * from ${table} where id = ?`);
          for (const s of steps) {
            const before = stored.get(run.id) as Record<string, unknown>;
            recorded = [];
            await runs.setState(run.id, {
              type: s.type as StateType,
              name: s.name,
              timestamp: s.offset === undefined ? undefined : new Date(BASE + s.offset * 1000),
              stateDetails:
                s.scheduledIn === undefined
                  ? undefined
                  : { scheduledTime: new Date(BASE + s.scheduledIn * 1000).toISOString() },
            });
            const after = stored.get(run.id) as Record<string, unknown>;
            const updates = recorded.map((r) => setColumns(r, table)).filter((c) => c !== undefined);
            expect(updates).toHaveLength(1);
            const changed = Object.keys(after).filter((column) => after[column] !== before[column]);
            // A generated column changes with the columns it is computed from, never by SET.
            const expected = new Set([...ALWAYS, ...changed.filter((c) => c !== 'start_time_or_expected')]);
            expect(new Set(updates[0])).toEqual(expected);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
