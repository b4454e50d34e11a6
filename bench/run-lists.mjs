// Flow-run reads at scale, p50 of the library against the raw driver running the same query (same
// columns, same order, same page) as a prepared statement, alternating:
// - list-by-state: FAILED runs (5%), START_TIME_DESC, a page of 200;
// - list-by-deployment: one deployment's runs (1%), START_TIME_DESC, a page of 200;
// - name-search: case-insensitive substring of the name (0.1% match), ID_DESC, a page of 200.
import { alternatingP50 } from './measure.mjs';
import { record } from './results.mjs';
import { SEARCH_TERM } from './runs-seed.mjs';

const SAMPLES = Number(process.env.ORION_BENCH_LIST_SAMPLES ?? 30);
const PAGE = 200;
const START_DESC = 'order by start_time_or_expected desc nulls last, id desc';

/**
 * The three reads, each as { scenario, library(db, i), sqlite(conn), postgresql(sql) }; `work.deployments`
 * holds `{ id }`s (bench/list-cpu.mjs reads them too).
 */
export function scenarios(work) {
  const deployment = (i) => work.deployments[(i + DEPLOYMENT_SPREAD) % work.deployments.length].id;
  return [
    {
      scenario: 'list-by-state',
      library: (db) =>
        db.flowRuns.list({
          where: { state: { type: { any: ['FAILED'] } } },
          sort: 'START_TIME_DESC',
          limit: PAGE,
        }),
      sqlite: (conn) => {
        const s = conn.prepare(`select * from flow_run where state_type = ? ${START_DESC} limit ${PAGE}`);
        return () => s.all('FAILED');
      },
      postgresql: (sql) => () =>
        sql`select * from flow_run where state_type = ${'FAILED'} order by start_time_or_expected desc nulls last, id desc limit ${PAGE}`,
    },
    {
      scenario: 'list-by-deployment',
      library: (db, i) =>
        db.flowRuns.list({
          where: { deploymentId: { any: [deployment(i)] } },
          sort: 'START_TIME_DESC',
          limit: PAGE,
        }),
      sqlite: (conn) => {
        const s = conn.prepare(`select * from flow_run where deployment_id = ? ${START_DESC} limit ${PAGE}`);
        return (i) => s.all(deployment(i));
      },
      postgresql: (sql) => (i) =>
        sql`select * from flow_run where deployment_id = ${deployment(i)} order by start_time_or_expected desc nulls last, id desc limit ${PAGE}`,
    },
    {
      scenario: 'name-search',
      library: (db) => db.flowRuns.list({ where: { name: { like: SEARCH_TERM } }, limit: PAGE }),
      sqlite: (conn) => {
        const s = conn.prepare(
          `select * from flow_run where name like ? escape '\\' order by id desc limit ${PAGE}`,
        );
        return () => s.all(`%${SEARCH_TERM}%`);
      },
      postgresql: (sql) => () =>
        sql`select * from flow_run where name ilike ${`%${SEARCH_TERM}%`} order by id desc limit ${PAGE}`,
    },
  ];
}

/** Offsets the deployments the warm-up reads (negative i) from the measured ones. */
const DEPLOYMENT_SPREAD = 1000;

/**
 * Runs the three reads on one dialect. `ctx`: { dialect, db (library handle), conn (better-sqlite3,
 * SQLite) or sql (postgres.js, PostgreSQL), work (bench/runs-seed.mjs), scale }.
 */
export async function benchRunLists(ctx) {
  for (const s of scenarios(ctx.work)) {
    const raw = ctx.dialect === 'sqlite' ? s.sqlite(ctx.conn) : s.postgresql(ctx.sql);
    const library = (i) => s.library(ctx.db, i);
    // The same page on both sides, or the comparison is void.
    const [a, b] = [await library(0), await raw(0)];
    if (a.length !== b.length || String(a[0]?.id) !== String(b[0]?.id)) {
      throw new Error(`${s.scenario}: library returned ${a.length} rows, raw ${b.length}`);
    }
    const p50 = await alternatingP50({ samples: SAMPLES, library, raw });
    const r = record({
      scenario: s.scenario,
      dialect: ctx.dialect,
      scale: ctx.scale,
      ...p50,
      unit: 'ms p50',
    });
    console.log(
      `${s.scenario.padEnd(20)} ${ctx.dialect.padEnd(10)} ${a.length} rows   library p50 ${p50.library.toFixed(2)} ms   raw driver p50 ${p50.raw.toFixed(2)} ms   library at ${r.ratio.toFixed(2)}x the raw speed`,
    );
  }
}
