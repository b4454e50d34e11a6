// The run scenarios at `--scale`: one database per dialect seeded with `scale` flow runs and `scale`
// task runs (bench/runs-seed.mjs), then, each against the raw driver in the same run:
// claim-100 (bench/claim-batch.mjs), the flow-run lists and name search (bench/run-lists.mjs) and
// task-run transitions (bench/task-state.mjs).
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';
import { benchClaimBatch } from './claim-batch.mjs';
import { onBothDialects, withPostgresDatabase } from './dialects.mjs';
import { time } from './measure.mjs';
import { fmtScale } from './results.mjs';
import { benchRunLists } from './run-lists.mjs';
import { seedPostgres, seedSqlite } from './runs-seed.mjs';
import { benchTaskState } from './task-state.mjs';

async function allScenarios(ctx) {
  await benchClaimBatch(ctx);
  await benchRunLists(ctx);
  await benchTaskState(ctx);
}

const seeded = (dialect, scale, ms) =>
  console.log(
    `${dialect}: seeded ${fmtScale(scale)} flow runs and ${fmtScale(scale)} task runs in ${(ms / 1000).toFixed(1)} s`,
  );

/** Runs the run scenarios on a SQLite file (WAL) and, given a URL, on a PostgreSQL database of their own. */
export function benchRuns(pgUrl, { scale }, scenarios = allScenarios) {
  return onBothDialects(
    `\nruns at ${fmtScale(scale)} flow runs (1% scheduled over 10 queues, 100 deployments): claim of 100, lists, search, task-run transitions`,
    pgUrl,
    async (dir) => {
      const file = join(dir, 'runs.db');
      const db = await createDatabase({ url: file });
      let work;
      seeded('sqlite', scale, await time(async () => (work = await seedSqlite(db, file, scale))));
      const conn = new Sqlite(file);
      conn.pragma('journal_mode = WAL');
      conn.pragma('synchronous = NORMAL');
      conn.pragma('foreign_keys = ON');
      conn.pragma('busy_timeout = 10000');
      try {
        await scenarios({ dialect: 'sqlite', db, conn, work, scale });
      } finally {
        conn.close();
        await db.close();
      }
    },
    (pgUrl) =>
      withPostgresDatabase(pgUrl, 'runs', async (url) => {
        const db = await createDatabase({ url });
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        try {
          let work;
          seeded('postgresql', scale, await time(async () => (work = await seedPostgres(db, sql, scale))));
          await scenarios({ dialect: 'postgresql', db, sql, work, scale });
        } finally {
          await sql.end();
          await db.close();
        }
      }),
  );
}

/** `--only lists`: the same seeded databases, only the lists and the name search (bench/run-lists.mjs). */
export const benchLists = (pgUrl, options) => benchRuns(pgUrl, options, benchRunLists);

/** `--only claim-100`: the same seeded databases, only the claim of 100 (bench/claim-batch.mjs). */
export const benchClaim100 = (pgUrl, options) => benchRuns(pgUrl, options, benchClaimBatch);
