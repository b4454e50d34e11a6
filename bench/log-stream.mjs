// One stream over every log, in a process of its own so that its RSS growth is its own (a process
// that has just seeded a million rows has a heap that already grew). Run by bench/logs.mjs as
//   node --expose-gc bench/log-stream.mjs <sqlite|postgresql> <file or URL> <library|raw>
// and prints one JSON line: { n, seconds, growthMb, retainedMb }.
// `raw` is the driver alone reading the same keyset pages of 1,000 (postgres.js rows as objects;
// better-sqlite3 rows as objects) and turning nothing into `Date`s.
import Sqlite from 'better-sqlite3';
import postgres from 'postgres';
import { createDatabase } from '@orion/db';

const [dialect, target, side] = process.argv.slice(2);
const PAGE = 1000;

async function* rawPages() {
  if (dialect === 'sqlite') {
    const conn = new Sqlite(target, { readonly: true });
    const first = conn.prepare('select * from log order by timestamp, id limit ?');
    const next = conn.prepare(
      'select * from log where timestamp >= ? and (timestamp > ? or id > ?) order by timestamp, id limit ?',
    );
    let last;
    for (;;) {
      const rows = last ? next.all(last.timestamp, last.timestamp, last.id, PAGE) : first.all(PAGE);
      if (rows.length === 0) break;
      yield rows;
      last = rows[rows.length - 1];
    }
    conn.close();
    return;
  }
  const sql = postgres(target, { max: 1, onnotice: () => {} });
  let last;
  for (;;) {
    const rows = last
      ? await sql`select * from log where timestamp >= ${last.timestamp} and (timestamp > ${last.timestamp} or id > ${last.id}) order by timestamp, id limit ${PAGE}`
      : await sql`select * from log order by timestamp, id limit ${PAGE}`;
    if (rows.length === 0) break;
    yield rows;
    last = rows[rows.length - 1];
  }
  await sql.end();
}

/** Every log, one at a time: the library's stream, or the raw driver's pages flattened. */
async function* logs() {
  if (side === 'raw') {
    for await (const rows of rawPages()) yield* rows;
    return;
  }
  const db = await createDatabase({ url: target });
  yield* db.logs.stream({}, { batchSize: PAGE });
  await db.close();
}

globalThis.gc?.();
const before = process.memoryUsage();
let peak = before.rss;
let n = 0;
const t = performance.now();
for await (const _ of logs()) {
  if (++n % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
}
peak = Math.max(peak, process.memoryUsage().rss);
const seconds = (performance.now() - t) / 1000;
globalThis.gc?.();
const retainedMb = globalThis.gc ? (process.memoryUsage().heapUsed - before.heapUsed) / 2 ** 20 : undefined;
console.log(JSON.stringify({ n, seconds, growthMb: (peak - before.rss) / 2 ** 20, retainedMb }));
