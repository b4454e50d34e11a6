// What bench/limits.mjs and bench/limits-cpu.mjs share: the loop of attempts and the library's
// attempt. No import of the library here: limits-cpu.mjs loads the build under test itself, and a
// second copy in the process would add its own async-context storage to every promise.

/** `attempts` attempts by `workers` loops sharing them; resolves to how many were granted. */
export async function run(workers, attempt, attempts) {
  let granted = 0;
  let left = attempts;
  await Promise.all(
    Array.from({ length: workers }, async (_, i) => {
      while (left > 0) {
        left--;
        if (await attempt(i)) granted++;
      }
    }),
  );
  return granted;
}

/** One acquire of a slot of the limit `bench` on worker i's handle, released at once when granted. */
export const libraryAttempt = (handles) => async (i) => {
  const db = handles[i % handles.length];
  const r = await db.globalConcurrencyLimits.acquire({ names: ['bench'], slots: 1 });
  if (!r.acquired) return false;
  await db.globalConcurrencyLimits.release({ names: ['bench'], slots: 1 });
  return true;
};
