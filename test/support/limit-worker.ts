/**
 * The hammer of the limit race tests: `attempts` acquire attempts on one limit; while a slot is held
 * the holder is counted in a shared occupancy counter (entered after the acquire committed, left
 * before the release starts, so the counted interval lies inside the real hold), and the counter's
 * peak is what the test checks against the limit. Odd attempts hold through a lease, even ones
 * without, so both release paths are raced.
 */
import type { Database } from '../../src/index.js';

/** Where holders count themselves: a JS object in one process, a SQLite file across processes. */
export interface OccupancyCounter {
  enter(name: string): void | Promise<void>;
  leave(name: string): void | Promise<void>;
}

/** How long a holder keeps its slot beyond one round trip (ms). */
const HOLD_MS = 3;

export interface HammerResult {
  acquired: number;
  denied: number;
}

export async function hammer(
  db: Database,
  name: string,
  attempts: number,
  counter: OccupancyCounter,
): Promise<HammerResult> {
  let acquired = 0;
  let denied = 0;
  for (let i = 0; i < attempts; i++) {
    const withLease = i % 2 === 1;
    const result = await db.globalConcurrencyLimits.acquire({
      names: [name],
      slots: 1,
      ...(withLease ? { leaseSeconds: 300, holder: { type: 'hammer', id: String(process.pid) } } : {}),
    });
    if (!result.acquired) {
      denied++;
      continue;
    }
    acquired++;
    await counter.enter(name);
    // Hold the slot across a round trip and a short pause, so holders overlap whenever the guard
    // lets them: with the round trip alone, acquires (several statements queued on one row lock)
    // outlast holds so far that a loaded CI machine once saw no overlap in 5,000 attempts.
    await db.execute('select 1');
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    await counter.leave(name);
    if (result.leaseId) await db.globalConcurrencyLimits.releaseLease(result.leaseId);
    else await db.globalConcurrencyLimits.release({ names: [name], slots: 1 });
  }
  return { acquired, denied };
}

/** A counter in one process: the peak per name. */
export function memoryCounter(): OccupancyCounter & { peak: Map<string, number> } {
  const now = new Map<string, number>();
  const peak = new Map<string, number>();
  return {
    peak,
    enter(name) {
      const n = (now.get(name) ?? 0) + 1;
      now.set(name, n);
      peak.set(name, Math.max(peak.get(name) ?? 0, n));
    },
    leave(name) {
      now.set(name, (now.get(name) ?? 0) - 1);
    },
  };
}
