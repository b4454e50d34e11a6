// npm run bench: every benchmark, each timing the library and the raw driver doing the same work in
// the same run. PostgreSQL runs when ORION_BENCH_POSTGRES_URL (or ORION_TEST_POSTGRES_URL) is set.
import { benchClaim } from './claim.mjs';
import { benchCreateTestDatabase } from './create-test-database.mjs';
import { benchLimits } from './limits.mjs';
import { benchLogs } from './logs.mjs';
import { benchMigrate } from './migrate.mjs';
import { benchSetState } from './set-state.mjs';

const pgUrl = process.env.ORION_BENCH_POSTGRES_URL ?? process.env.ORION_TEST_POSTGRES_URL;
// ORION_BENCH_ONLY=logs,limits runs only those (names as below).
const only = process.env.ORION_BENCH_ONLY?.split(',').map((s) => s.trim());
const benches = {
  migrate: benchMigrate,
  'set-state': benchSetState,
  claim: benchClaim,
  limits: benchLimits,
  logs: benchLogs,
  'create-test-database': benchCreateTestDatabase,
};
for (const [name, bench] of Object.entries(benches)) {
  if (!only || only.includes(name)) await bench(pgUrl);
}
