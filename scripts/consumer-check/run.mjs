// Runs the compiled program on each database URL given as an argument and checks what it saw. A
// PostgreSQL URL names a server: the program runs on a fresh database there, dropped afterwards.
import assert from 'node:assert/strict';
// postgres.js comes with @orion/db (a dependency npm places at the top of node_modules).
import postgres from 'postgres';
import { main } from './dist/program.js';

async function onFreshDatabase(serverUrl, fn) {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const name = `orion_consumer_${process.pid}`;
  try {
    await admin.unsafe(`drop database if exists ${name}`);
    await admin.unsafe(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await fn(url.href);
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

for (const url of process.argv.slice(2)) {
  const outcome = /^postgres(ql)?:/.test(url) ? await onFreshDatabase(url, main) : await main(url);
  assert.equal(outcome.finalState, 'COMPLETED');
  assert.deepEqual(outcome.history, ['SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED']);
  assert.deepEqual(outcome.parameters, { date: '2026-11-25', rows: [1, 2, 3], options: { dryRun: false } });
  assert.equal(outcome.taskRuns, 1);
  assert.equal(outcome.validationRefused, true);
  assert.equal(outcome.notFound, true);
  assert.equal(outcome.rawRows, 1);
  console.log(`ok: ${outcome.dialect} via ${outcome.driver}`);
}
