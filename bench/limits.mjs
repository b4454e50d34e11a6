// Acquire + release pairs per second under contention: db.globalConcurrencyLimits.acquire/release
// (limit rows locked in name order, decay on its own clock, expired leases reclaimed first, one
// transaction each) against the raw driver doing the same conditional updates (`active_slots + 1
// <= limit`, then `max(0, active_slots - 1)`) as single statements, without decay or leases.
// One limit of 4; PostgreSQL: 16 workers on their own connections; SQLite: 4 workers on one handle.
// Neither side waits or retries: a full limit answers at once (the library's acquire never polls).
// The library also records every denial (Prefect's denied_slots, which its retry estimate reads),
// a write where the raw side writes nothing; so a third run, "raw + denials", has the raw driver
// record them too (one more conditional UPDATE per denial), printed and noted beside the ratio,
// which stays against the bare raw side.
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { libraryAttempt, run } from './limit-attempts.mjs';
import { createDatabase } from '@orion/db';
import { onBothDialects } from './dialects.mjs';
import { record } from './results.mjs';

const ATTEMPTS = Number(process.env.ORION_BENCH_LIMIT_ATTEMPTS ?? 4000);
const LIMIT = 4;
/** The library's cap on denied slots (docs/limits.md), kept by the raw side's denial too. */
const MAX_DENIED = 1_000_000_000;

/** Attempts each side makes, untimed, before it is timed. */
const WARM_UP = Math.ceil(ATTEMPTS / 8);

/**
 * Runs `workers` loops of `attempt` sharing ATTEMPTS, after WARM_UP untimed attempts the same way;
 * returns pairs (granted attempts) per second. The warm-up keeps a side's first calls (statements
 * prepared, code compiled) out of its steady rate: in one cold run of 4,000 the library's first
 * 4,000 attempts on SQLite ran at 3,191/s and the next at 4,373-5,100/s (on a loaded machine).
 */
async function measure(workers, attempt) {
  await run(workers, attempt, WARM_UP);
  const start = performance.now();
  const granted = await run(workers, attempt, ATTEMPTS);
  const seconds = (performance.now() - start) / 1000;
  return { pairs: granted / seconds, attempts: ATTEMPTS / seconds };
}

function report(name, library, raw, rawDenials) {
  record({
    note: `raw recording denials: ${rawDenials.attempts.toFixed(0)} attempts/s`,
    scenario: `limits-${name.match(/\d+/)[0]}-workers`,
    dialect: name.split(',')[0],
    scale: 1,
    library: library.attempts,
    raw: raw.attempts,
    unit: 'attempts/s',
  });
  console.log(
    `${name.padEnd(24)} library ${library.pairs.toFixed(0).padStart(6)} pairs/s (${library.attempts.toFixed(0)} attempts/s)   raw driver ${raw.pairs.toFixed(0).padStart(6)} pairs/s (${raw.attempts.toFixed(0)} attempts/s)   library at ${(library.attempts / raw.attempts).toFixed(2)}x the raw attempts/s`,
  );
  console.log(
    `${''.padEnd(24)} raw + denials ${rawDenials.pairs.toFixed(0).padStart(6)} pairs/s (${rawDenials.attempts.toFixed(0)} attempts/s): library at ${(library.attempts / rawDenials.attempts).toFixed(2)}x its attempts/s`,
  );
}

async function sqliteCase(dir) {
  const file = join(dir, 'limits.db');
  const db = await createDatabase({ url: file });
  await db.globalConcurrencyLimits.create({ name: 'bench', limit: LIMIT });
  const library = await measure(4, libraryAttempt([db]));
  await db.execute(`update concurrency_limit_v2 set active_slots = 0 where name = 'bench'`);
  await db.close();
  const conn = new Sqlite(file);
  conn.pragma('busy_timeout = 10000');
  const take = conn.prepare(
    `update concurrency_limit_v2 set active_slots = active_slots + 1 where name = 'bench' and active and active_slots + 1 <= "limit" returning id`,
  );
  const give = conn.prepare(
    `update concurrency_limit_v2 set active_slots = max(0, active_slots - 1) where name = 'bench'`,
  );
  // One connection, as the library's handle: workers interleave at the awaits.
  const deny = conn.prepare(
    `update concurrency_limit_v2 set denied_slots = min(denied_slots + 1, ${MAX_DENIED}) where name = 'bench' and active`,
  );
  const rawAttempt = (recordDenials) => async () => {
    await null;
    if (take.all().length === 0) {
      if (recordDenials) deny.run();
      return false;
    }
    await null;
    give.run();
    return true;
  };
  const raw = await measure(4, rawAttempt(false));
  const rawDenials = await measure(4, rawAttempt(true));
  conn.close();
  report('sqlite, 4 workers', library, raw, rawDenials);
}

async function postgresCase(pgUrl) {
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  const name = `orion_bench_limits_${process.pid}`;
  await admin.unsafe(`create database ${name}`);
  const target = new URL(pgUrl);
  target.pathname = `/${name}`;
  const handles = [];
  try {
    const db = await createDatabase({ url: target.toString() });
    handles.push(db);
    await db.globalConcurrencyLimits.create({ name: 'bench', limit: LIMIT });
    for (let i = 1; i < 16; i++) {
      handles.push(await createDatabase({ url: target.toString(), poolSize: 1, migrateOnOpen: false }));
    }
    const library = await measure(16, libraryAttempt(handles));
    await db.execute(`update concurrency_limit_v2 set active_slots = 0 where name = 'bench'`);
    const clients = Array.from({ length: 16 }, () =>
      postgres(target.toString(), { max: 1, onnotice: () => {} }),
    );
    const rawAttempt = (recordDenials) => async (i) => {
      const sql = clients[i];
      const rows =
        await sql`update concurrency_limit_v2 set active_slots = active_slots + 1 where name = 'bench' and active and active_slots + 1 <= "limit" returning id`;
      if (rows.length === 0) {
        if (recordDenials)
          await sql`update concurrency_limit_v2 set denied_slots = least(denied_slots + 1, ${MAX_DENIED}) where name = 'bench' and active`;
        return false;
      }
      await sql`update concurrency_limit_v2 set active_slots = greatest(0, active_slots - 1) where name = 'bench'`;
      return true;
    };
    const raw = await measure(16, rawAttempt(false));
    const rawDenials = await measure(16, rawAttempt(true));
    await Promise.all(clients.map((c) => c.end()));
    report('postgresql, 16 workers', library, raw, rawDenials);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
    await admin.unsafe(`drop database ${name} with (force)`);
    await admin.end();
  }
}

/** Prints acquire+release pairs per second for the library and the raw driver on each dialect. */
export function benchLimits(pgUrl) {
  return onBothDialects(
    `\nconcurrency limits: ${ATTEMPTS} acquire attempts on one limit of ${LIMIT}, each granted one released at once`,
    pgUrl,
    sqliteCase,
    postgresCase,
  );
}
