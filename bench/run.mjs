// npm run bench: every benchmark, each timing the library and the raw driver doing the same work in
// the same run. PostgreSQL runs when ORION_BENCH_POSTGRES_URL (or ORION_TEST_POSTGRES_URL) is set.
import { benchClaim } from './claim.mjs';
import { benchLimits } from './limits.mjs';
import { benchLogs } from './logs.mjs';
import { benchMigrate } from './migrate.mjs';
import { benchSetState } from './set-state.mjs';

const pgUrl = process.env.ORION_BENCH_POSTGRES_URL ?? process.env.ORION_TEST_POSTGRES_URL;
await benchMigrate(pgUrl);
await benchSetState(pgUrl);
await benchClaim(pgUrl);
await benchLimits(pgUrl);
await benchLogs(pgUrl);
