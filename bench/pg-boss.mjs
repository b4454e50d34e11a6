// The peer for claiming: pg-boss 10 (what a Node user picks for a queue in PostgreSQL) draining
// `jobs` jobs with `claimers` loops of fetch(batchSize) + complete(ids), in the schema `pgboss` of
// the bench's database. Its maintenance and scheduling are off, so the drain is all it does.
import PgBoss from 'pg-boss';

const QUEUE = 'bench';

/** Inserts `jobs` jobs, then times the drain; returns jobs per second. */
export async function drainPgBoss(url, { jobs, claimers, batchSize }) {
  const boss = new PgBoss({
    connectionString: url,
    schema: 'pgboss',
    max: claimers + 1,
    supervise: false,
    schedule: false,
    migrate: true,
  });
  const errors = [];
  boss.on('error', (e) => errors.push(e));
  await boss.start();
  try {
    await boss.createQueue(QUEUE);
    const all = Array.from({ length: jobs }, (_, i) => ({ name: QUEUE, data: { i } }));
    for (let i = 0; i < jobs; i += 1000) await boss.insert(all.slice(i, i + 1000));
    let done = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: claimers }, async () => {
        // An empty fetch while jobs are still out (held by another claimer, or a fetch error,
        // which pg-boss turns into []) means: look again until every job is completed.
        while (done < jobs) {
          const batch = await boss.fetch(QUEUE, { batchSize });
          if (batch.length === 0) continue;
          await boss.complete(
            QUEUE,
            batch.map((j) => j.id),
          );
          done += batch.length;
        }
      }),
    );
    const rate = done / ((performance.now() - start) / 1000);
    if (errors.length > 0) throw errors[0];
    if (done !== jobs) throw new Error(`pg-boss completed ${done} of ${jobs}`);
    return rate;
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}
