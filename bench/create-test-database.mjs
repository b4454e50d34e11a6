// Times createTestDatabase() (@orion/db/testing) and its close() apart, against the raw floor of
// the same work in the same run: on SQLite `new Database(image)` of a migrated image (and its
// close()), on PostgreSQL `CREATE DATABASE … TEMPLATE` of the helper's template with a postgres.js
// connection already open (and DROP DATABASE). Library and raw rounds alternate, so both see the
// same load. The first creation (it builds the image or the template, or finds the template) is
// printed apart, and so is the test's first query: on PostgreSQL a new connection to the new
// database (postgres.js connects lazily), on SQLite the parse of the schema at the connection's
// first prepare; neither is part of creation, both are paid by any test that queries. The whole
// round (create + first query + close) is printed beside the raw create + close too: what a test
// waits for in all (docs/decisions.md: a spare database made ahead lowered creation and raised it).
import { readFileSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';
import { createTestDatabase, releaseTestResources } from '@orion/db/testing';
import { templateName } from '../dist/testing/postgres-template.js';
import { record } from './results.mjs';

const SQLITE_ROUNDS = Number(process.env.ORION_BENCH_CTD_SQLITE_ROUNDS ?? 300);
const POSTGRES_ROUNDS = Number(process.env.ORION_BENCH_CTD_POSTGRES_ROUNDS ?? 30);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Times `rounds` library creations and closes, each followed by a raw one. */
async function alternate(rounds, library, raw) {
  const out = { create: [], close: [], firstQuery: [], round: [], rawCreate: [], rawClose: [], rawRound: [] };
  for (let i = 0; i < rounds; i++) {
    const created = await time(library.create);
    out.create.push(created.ms);
    const query = library.firstQuery ? (await time(() => library.firstQuery(created.value))).ms : 0;
    if (library.firstQuery) out.firstQuery.push(query);
    out.close.push((await time(() => created.value.close())).ms);
    out.round.push(created.ms + query + out.close.at(-1));
    const rawCreated = await time(() => raw.create(i));
    out.rawCreate.push(rawCreated.ms);
    out.rawClose.push((await time(() => raw.close(rawCreated.value))).ms);
    out.rawRound.push(rawCreated.ms + out.rawClose.at(-1));
  }
  return Object.fromEntries(Object.entries(out).map(([k, xs]) => [k, xs.length ? median(xs) : undefined]));
}

const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1).padStart(6)} ms`;

function report(name, first, m, rawName) {
  record({
    scenario: 'create-test-database',
    dialect: name.startsWith('sqlite') ? 'sqlite' : 'postgresql',
    scale: 0,
    library: m.create,
    raw: m.rawCreate,
    unit: 'ms p50',
    // The whole round too: creation alone can be bought with time moved into close().
    note: `close ${ms(m.close)} (raw ${ms(m.rawClose)}); create+first query+close ${ms(m.round)} (raw create+close ${ms(m.rawRound)})`,
  });
  console.log(
    `${name.padEnd(18)} create ${ms(m.create)}   raw ${rawName} ${ms(m.rawCreate)}   library at ${(m.rawCreate / m.create).toFixed(2)}x the raw speed`,
  );
  const firstQuery = m.firstQuery === undefined ? '' : `   first query ${ms(m.firstQuery)}`;
  console.log(
    `${''.padEnd(18)} close  ${ms(m.close)}   raw close ${ms(m.rawClose)}   first creation ${ms(first)}${firstQuery}`,
  );
  console.log(
    `${''.padEnd(18)} create+first query+close ${ms(m.round)}   raw create+close ${ms(m.rawRound)}`,
  );
}

/** The test's first statement: SQLite parses the schema at a connection's first prepare. */
const firstQuery = (db) => db.execute('select 1');

async function sqliteCase() {
  const first = await time(() => createTestDatabase());
  await first.value.close();
  // The raw floor's image: a database migrated by the library, serialised as the helper does.
  const connection = new Sqlite(':memory:');
  await (await createDatabase({ client: connection, migrateOnOpen: true, isolated: true })).close();
  const image = connection.serialize();
  connection.close();
  const m = await alternate(
    SQLITE_ROUNDS,
    { create: () => createTestDatabase(), firstQuery },
    { create: () => new Sqlite(image), close: (db) => db.close() },
  );
  report('sqlite (memory)', first.ms, m, 'new Database(image)');
}

async function postgresCase(url) {
  process.env.ORION_TEST_POSTGRES_URL = url;
  delete process.env.ORION_TEST_POSTGRES;
  const first = await time(() => createTestDatabase({ dialect: 'postgresql' }));
  await first.value.close();
  const template = templateName();
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // The scenarios before this one leave the server writing their pages out (at 1M, a spread
    // checkpoint of gigabytes), and every creation's WAL then waits behind that I/O: the 1M run of
    // 2026-11-30 timed 377 ms for the bare CREATE DATABASE against 73 ms on a busy but settled
    // server. Finishing that checkpoint first times creation, not the previous scenario's flush.
    await admin.unsafe('checkpoint');
    const backend = await serverProcess(admin);
    const m = await alternate(
      POSTGRES_ROUNDS,
      {
        create: () => createTestDatabase({ dialect: 'postgresql' }),
        firstQuery,
      },
      {
        create: async (i) => {
          const name = `orion_bench_ctd_${process.pid}_${i}`;
          const before = backend?.read();
          await admin.unsafe(`create database ${name} template ${template}`);
          if (before) backend.add(before, backend.read());
          return name;
        },
        close: (name) => admin.unsafe(`drop database ${name} with (force)`),
      },
    );
    report('postgresql', first.ms, m, 'CREATE DATABASE … TEMPLATE');
    if (backend?.cpu.length) {
      const { cpu, ticks } = backend;
      const kernel = ticks.system / Math.max(1, ticks.user + ticks.system);
      console.log(
        `${''.padEnd(18)} server CPU per raw CREATE ${ms(median(cpu))}, ${(kernel * 100).toFixed(0)}% of it in the kernel (the server's backend process, /proc)`,
      );
    }
  } finally {
    await admin.end();
  }
}

/**
 * The server backend behind `admin`, when it runs on this machine and /proc shows it: CPU time per
 * raw CREATE (schedstat, ns) and the user/kernel split (stat, clock ticks). On this machine the
 * copy's time was CPU in the kernel: ext4 without a journal skips recently deleted inodes when it
 * allocates one, and a CREATE makes about 480 files (docs/performance.md, createTestDatabase).
 */
async function serverProcess(admin) {
  const [{ pid }] = await admin.unsafe('select pg_backend_pid() as pid');
  const read = () => {
    const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { ns, user: Number(fields[11]), system: Number(fields[12]) };
  };
  try {
    read();
  } catch {
    return undefined; // a server elsewhere, or no /proc
  }
  const cpu = [];
  const ticks = { user: 0, system: 0 };
  return {
    read,
    cpu,
    ticks,
    add(before, after) {
      cpu.push((after.ns - before.ns) / 1e6);
      ticks.user += after.user - before.user;
      ticks.system += after.system - before.system;
    },
  };
}

/** Runs the createTestDatabase benchmark on SQLite and, given a URL, on the PostgreSQL server. */
export async function benchCreateTestDatabase(pgUrl) {
  console.log(
    `\ncreateTestDatabase(): median of ${SQLITE_ROUNDS} (SQLite) / ${POSTGRES_ROUNDS} (PostgreSQL) rounds, library and raw alternating; creation and close() apart`,
  );
  await sqliteCase();
  if (pgUrl) await postgresCase(pgUrl);
  else console.log('postgresql: skipped (set ORION_BENCH_POSTGRES_URL)');
  await releaseTestResources();
}
