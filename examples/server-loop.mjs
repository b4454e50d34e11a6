// npm run server-loop: the loops an orchestration server runs against its database, each one
// repository call (docs/work.md, "Loop services"). Opens the default database (or ORION_DATABASE_URL),
// runs every loop on its own timer, and stops after ORION_LOOP_SECONDS (default 12) or on Ctrl-C.
// Any number of server processes may run this at once: each call is race-free.
import { createDatabase } from '@orion/db';

const db = await createDatabase();

/** Runs `fn` every `seconds`, one call at a time, logging what it changed. */
function every(seconds, name, fn) {
  let running = false;
  const tick = async () => {
    if (running) return; // a slow call is never overlapped by the next tick
    running = true;
    try {
      const changed = await fn();
      if (changed) console.log(`${new Date().toISOString()} ${name}: ${changed}`);
    } catch (error) {
      console.error(`${name} failed:`, error);
    } finally {
      running = false;
    }
  };
  void tick();
  return setInterval(tick, seconds * 1000);
}

const count = (result) => (Array.isArray(result) ? result.length : result);

const timers = [
  // The scheduler: creates the runs deployments' schedules are missing (Prefect's defaults).
  every(60, 'scheduler', async () => count(await db.deployments.scheduleDue())),

  every(5, 'late runs', async () => db.flowRuns.markLate({ after: '15s' })),
  every(30, 'foreman', async () => {
    const { workers, pools, queues, deployments } = await db.workPools.refreshStatus();
    const changed = workers.length + pools.length + queues.length + deployments.length;
    return changed
      ? `${workers.length} workers offline, ${pools.length} pools, ${queues.length} queues, ${deployments.length} deployments changed`
      : 0;
  }),
  every(5, 'pause expirations', async () => count(await db.flowRuns.failExpiredPauses())),
  every(10, 'expired global-limit leases', async () => db.globalConcurrencyLimits.reclaimExpiredLeases()),
  every(10, 'finished task-run slots', async () => db.concurrencyLimits.releaseFinished()),
];

const stop = async () => {
  for (const t of timers) clearInterval(t);
  await db.close();
};
process.once('SIGINT', () => void stop());
setTimeout(() => void stop(), Number(process.env.ORION_LOOP_SECONDS ?? 12) * 1000);
console.log('server loops running; Ctrl-C stops them');
