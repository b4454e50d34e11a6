// npm run bench [-- --scale 10k|100k|1m] [--only a,b] [--docs]: every benchmark, each timing the
// library and the raw driver doing the same work in the same run. PostgreSQL runs when
// ORION_BENCH_POSTGRES_URL (or ORION_TEST_POSTGRES_URL) is set. At the end it prints the table of
// results and writes bench/results/latest.json; --docs also redraws docs/performance.svg and the
// results table of docs/performance.md from it (bench/report.mjs).
import { parseArgs } from 'node:util';
import { benchClaim } from './claim.mjs';
import { benchCreateTestDatabase } from './create-test-database.mjs';
import { benchLimits } from './limits.mjs';
import { benchLogs } from './logs.mjs';
import { benchMigrate } from './migrate.mjs';
import { writeDocs } from './report.mjs';
import { printTable, writeResults } from './results.mjs';
import { benchClaim100, benchLists, benchRuns } from './runs.mjs';
import { benchSchedule } from './schedule.mjs';
import { benchSetState } from './set-state.mjs';
import { benchSetStateConcurrent } from './set-state-concurrent.mjs';

const SCALES = { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 };

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '10k' },
    only: { type: 'string' },
    docs: { type: 'boolean', default: false },
  },
});
const scale = SCALES[values.scale.toLowerCase()];
if (!scale) {
  console.error(`--scale must be one of ${Object.keys(SCALES).join(', ')} (got ${values.scale})`);
  process.exit(2);
}

const pgUrl = process.env.ORION_BENCH_POSTGRES_URL ?? process.env.ORION_TEST_POSTGRES_URL;
// --only logs,limits (or ORION_BENCH_ONLY=logs,limits) runs only those (names as below).
const only = (values.only ?? process.env.ORION_BENCH_ONLY)?.split(',').map((s) => s.trim());
const benches = {
  migrate: benchMigrate,
  'set-state': benchSetState,
  'set-state-8': benchSetStateConcurrent,
  claim: benchClaim,
  runs: benchRuns,
  lists: benchLists,
  'claim-100': benchClaim100,
  limits: benchLimits,
  logs: benchLogs,
  'schedule-10k': benchSchedule,
  'create-test-database': benchCreateTestDatabase,
};
// Parts of `runs` (its seeding again, then some of its scenarios): run only when named, so a whole
// run seeds the million rows once and prints each of those results once.
const PARTS_OF_RUNS = new Set(['lists', 'claim-100']);
// A name that is not a bench ran nothing and still wrote an empty latest.json (a newcomer's try
// with a scenario name of the results table, `--only task-set-state`).
const unknown = (only ?? []).filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(
    `--only: no bench named ${unknown.join(', ')}; the benches are ${Object.keys(benches).join(', ')} (a results row such as task-set-state or log-insert belongs to one of them: docs/performance.md)`,
  );
  process.exit(2);
}
const started = performance.now();
for (const [name, bench] of Object.entries(benches)) {
  if (only ? only.includes(name) : !PARTS_OF_RUNS.has(name)) await bench(pgUrl, { scale });
}
const minutes = (performance.now() - started) / 60_000;
printTable();
const file = writeResults({ scale: values.scale, only: only ?? null, postgres: Boolean(pgUrl), minutes });
console.log(`\n${minutes.toFixed(1)} min; results in ${file}`);
if (values.docs) console.log(`docs: ${writeDocs(file).join(', ')}`);
