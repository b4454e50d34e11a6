/**
 * The server's loop services (issue 11 §4, semantics.md §5 "Loop services") as set-based calls:
 * each reads a bounded batch, writes it in one transaction guarded in SQL (FOR UPDATE SKIP LOCKED
 * on PostgreSQL, the up-front write lock on SQLite; every UPDATE re-states the condition it acts
 * on), and repeats until a batch comes back short; so two server processes calling the same
 * service at once change each row once. `now` options move the window only; what is written uses
 * the library's clock.
 */
import { and, asc, eq, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { WorkPoolStatus } from '../schema/enums.js';
import type { RepositoryContext } from './context.js';
import type { FlowRun, FlowRunRepository } from './flow-runs.js';
import { parse, time, wholeNumber } from './validation.js';
import { duration } from './validation/durations.js';
import { isScheduled } from './claim-candidates.js';
import { DEFAULT_HEARTBEAT_INTERVAL_SECONDS, OFFLINE_AFTER_INTERVALS } from './worker-status.js';

/** Prefect's defaults: a run is late 15 s after its scheduled time; queues idle for 60 s are NOT_READY. */
export const LATE_AFTER_MS = 15_000;
export const POLL_STALE_MS = 60_000;
const DEFAULT_BATCH = 500;

const batchSize = wholeNumber(1, 10_000);
const markLateOptions = z.strictObject({
  after: duration.optional(),
  now: time.optional(),
  batchSize: batchSize.optional(),
});
const expiredPausesOptions = z.strictObject({ now: time.optional(), batchSize: batchSize.optional() });
const refreshOptions = z.strictObject({ now: time.optional(), batchSize: batchSize.optional() });

export type MarkLateOptions = z.input<typeof markLateOptions>;
export type FailExpiredPausesOptions = z.input<typeof expiredPausesOptions>;
export type RefreshStatusOptions = z.input<typeof refreshOptions>;

/** What `workPools.refreshStatus()` changed, by id. */
export interface RefreshStatusResult {
  /** Workers that went OFFLINE. */
  workers: string[];
  /** Pools whose status changed, with the new status. */
  pools: { id: string; status: WorkPoolStatus }[];
  /** Queues that went NOT_READY (not polled for 60 s). */
  queues: string[];
  /** Deployments that went NOT_READY (not polled for 60 s). */
  deployments: string[];
}

/** Runs `step` (one transaction per batch) until it changes fewer rows than a batch. */
async function inBatches<T>(
  size: number,
  step: () => Promise<{ selected: number; changed: T[] }>,
): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const { selected, changed } = await step();
    out.push(...changed);
    // Stop on a short *selection*, not a short change count: rows another caller changed meanwhile
    // fail the UPDATE's re-check, and stopping then would leave the rows past this batch to no one.
    if (selected < size) return out;
  }
}

/**
 * SCHEDULED runs named `Scheduled` whose scheduled time is more than `after` before `now` get a
 * SCHEDULED state named `Late` with the same `scheduledTime` (claim order unchanged, never a second
 * Late). Returns how many runs it marked.
 */
export async function markLate(
  ctx: RepositoryContext,
  runs: FlowRunRepository,
  options: MarkLateOptions,
): Promise<number> {
  const o = parse(markLateOptions, options, 'markLate options');
  const size = o.batchSize ?? DEFAULT_BATCH;
  const cutoff = new Date((o.now ?? new Date()).getTime() - (o.after ?? LATE_AFTER_MS));
  const fr = ctx.tables.flowRun;
  const marked = await inBatches(size, () =>
    ctx.transaction(async (q) => {
      const rows = await runs.lockWhere(
        q,
        and(isScheduled(fr), eq(fr.stateName, 'Scheduled'), lt(fr.nextScheduledStartTime, cutoff))!,
        [asc(fr.nextScheduledStartTime), asc(fr.id)],
        size,
      );
      const changed = await runs.transitionLocked(q, rows, (row) => ({
        type: 'SCHEDULED',
        name: 'Late',
        stateDetails: { scheduledTime: row.nextScheduledStartTime },
      }));
      return { selected: rows.length, changed };
    }),
  );
  return marked.length;
}

/**
 * PAUSED runs whose current state's `stateDetails.pauseTimeout` is before `now` move to FAILED
 * (Prefect's pause expiration). Returns the failed runs.
 */
export async function failExpiredPauses(
  ctx: RepositoryContext,
  runs: FlowRunRepository,
  options: FailExpiredPausesOptions,
): Promise<FlowRun[]> {
  const o = parse(expiredPausesOptions, options, 'failExpiredPauses options');
  const size = o.batchSize ?? DEFAULT_BATCH;
  const cutoff = (o.now ?? new Date()).toISOString();
  const { flowRun: fr, flowRunState: st } = ctx.tables;
  // pauseTimeout is stored as toISOString() (validation/interpreted.ts): fixed width, so text order is time order.
  const timeout =
    ctx.dialect.name === 'sqlite'
      ? sql`json_extract(${st.stateDetails}, '$.pauseTimeout')`
      : sql`(${st.stateDetails} ->> 'pauseTimeout')`;
  const expired = sql`exists (select 1 from ${st} where ${st.id} = ${fr.stateId} and ${timeout} < ${cutoff})`;
  return inBatches(size, () =>
    ctx.transaction(async (q) => {
      const rows = await runs.lockWhere(q, and(eq(fr.stateType, 'PAUSED'), expired)!, [asc(fr.id)], size);
      const changed = await runs.transitionLocked(q, rows, {
        type: 'FAILED',
        message: 'Run paused past its pause timeout',
      });
      return { selected: rows.length, changed };
    }),
  );
}

/**
 * The foreman: workers OFFLINE after 3 × their heartbeat interval (90 s without one); pools PAUSED
 * while paused, else READY with an online worker and NOT_READY without; queues and deployments
 * READY but not polled for 60 s become NOT_READY. Returns what changed.
 */
export async function refreshStatus(
  ctx: RepositoryContext,
  options: RefreshStatusOptions,
): Promise<RefreshStatusResult> {
  const o = parse(refreshOptions, options, 'refreshStatus options');
  const size = o.batchSize ?? DEFAULT_BATCH;
  const at = o.now ?? new Date();
  const { worker: w, workPool: wp, workQueue: wq, deployment: d } = ctx.tables;
  const written = () => new Date();

  // Workers: one UPDATE per distinct heartbeat interval in use (a handful), each with its cutoff.
  const intervals = await ctx.run((q) =>
    q.selectDistinct({ seconds: w.heartbeatIntervalSeconds }).from(w).where(eq(w.status, 'ONLINE')),
  );
  const workers: string[] = [];
  for (const { seconds } of intervals) {
    const interval = seconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS;
    const cutoff = new Date(at.getTime() - OFFLINE_AFTER_INTERVALS * interval * 1000);
    const sameInterval =
      seconds === null ? isNull(w.heartbeatIntervalSeconds) : eq(w.heartbeatIntervalSeconds, seconds);
    const stale = and(eq(w.status, 'ONLINE'), sameInterval, lt(w.lastHeartbeatTime, cutoff))!;
    workers.push(
      ...(await inBatches(size, () =>
        ctx.transaction(async (q) => {
          const ids = (await q.select({ id: w.id }).from(w).where(stale).limit(size)).map((r) => r.id);
          if (ids.length === 0) return { selected: 0, changed: [] };
          const now = written();
          const rows = await q
            .update(w)
            .set({ status: 'OFFLINE', updated: now })
            .where(and(inArray(w.id, ids), stale))
            .returning({ id: w.id });
          return { selected: ids.length, changed: rows.map((r) => r.id) };
        }),
      )),
    );
  }

  // Pools: the status their pause flag and workers call for, where it differs.
  const online = sql`exists (select 1 from ${w} where ${w.workPoolId} = ${wp.id} and ${w.status} = 'ONLINE')`;
  const wanted = sql`case when ${wp.isPaused} then 'PAUSED' when ${online} then 'READY' else 'NOT_READY' end`;
  const pools = await inBatches(size, () =>
    ctx.transaction(async (q) => {
      const differs = ne(wp.status, wanted as never);
      const ids = (await q.select({ id: wp.id }).from(wp).where(differs).limit(size)).map((r) => r.id);
      if (ids.length === 0) return { selected: 0, changed: [] };
      const now = written();
      const changed = (await q
        .update(wp)
        .set({ status: wanted as never, lastTransitionedStatusAt: now, updated: now })
        .where(and(inArray(wp.id, ids), differs))
        .returning({ id: wp.id, status: wp.status })) as { id: string; status: WorkPoolStatus }[];
      return { selected: ids.length, changed };
    }),
  );

  // Queues and deployments READY but not polled within 60 s.
  const pollCutoff = new Date(at.getTime() - POLL_STALE_MS);
  const idle = async (table: typeof wq | typeof d): Promise<string[]> => {
    const stale = and(
      eq(table.status, 'READY'),
      or(isNull(table.lastPolled), lt(table.lastPolled, pollCutoff)),
    )!;
    return inBatches(size, () =>
      ctx.transaction(async (q) => {
        const ids = (await q.select({ id: table.id }).from(table).where(stale).limit(size)).map((r) => r.id);
        if (ids.length === 0) return { selected: 0, changed: [] };
        const now = written();
        const rows = await q
          .update(table)
          .set({ status: 'NOT_READY', updated: now } as never)
          .where(and(inArray(table.id, ids), stale))
          .returning({ id: table.id });
        return { selected: ids.length, changed: rows.map((r) => r.id) };
      }),
    );
  };
  const queues = await idle(wq);
  const deployments = await idle(d);
  return { workers, pools, queues, deployments };
}
