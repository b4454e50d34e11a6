/**
 * Writing a deployment's scheduled runs and their first states, in text statements
 * (statements.ts) sized by the bind limit and bytes, with turns of the event loop in between.
 */
import { sql } from 'drizzle-orm';
import type { Dialect, Executor } from '../../dialect/dialect.js';
import { turnIfDue } from '../../dialect/event-loop-turns.js';
import type { deployment, deploymentSchedule } from '../../schema/postgres/deployments.js';
import { uuidv7 } from '../../schema/uuid.js';
import { batches, estimateBytes } from '../batches.js';
import type { RepositoryContext } from '../context.js';
import { generateRunName } from '../names.js';
import { RUN_COLUMNS, STATE_COLUMNS, driverValue, insertText } from './statements.js';

type Deployment = typeof deployment.$inferSelect;
type ScheduleRow = typeof deploymentSchedule.$inferSelect;

/** The tag every auto-scheduled run carries beside its deployment's tags (as Prefect). */
export const AUTO_SCHEDULED_TAG = 'auto-scheduled';

/** One run to write: the schedule that makes it, its instant and its idempotency key. */
export interface PlannedRun {
  schedule: ScheduleRow;
  at: Date;
  key: string;
}

/**
 * Runs one statement carries at most (with the bind limit: 20 parameters a run). Its time is a
 * stall of every timer and socket of the process: better-sqlite3 (and PGlite) run the statement on
 * the event loop's thread, and postgres.js encodes all of a statement's parameters in one go before
 * sending it (measured, 2 cores under load: inserting 500 runs with the flow_run indexes took
 * 25–45 ms on a SQLite file; encoding 3,276 runs' 65,520 parameters took postgres.js 60–100 ms).
 * More statements cost nothing measurable: the server's index writes are most of the time.
 */
export const STATEMENT_ROWS = 500;

/** Runs (and states) one statement of `dialect` carries at most. */
export function scheduledRunsPerStatement(dialect: Dialect): number {
  return Math.min(STATEMENT_ROWS, Math.floor(dialect.capabilities.maxParameters / RUN_COLUMNS.length));
}

/** What a run binds besides its schedule's values: id, name, key, times, with their placeholders. */
const ROW_OVERHEAD_BYTES = 512;

/** The driver values of one call's runs: those every run shares, and a schedule's own. */
function runValues(dialect: Dialect, dep: Deployment, now: Date) {
  const value = (key: string, v: unknown) => driverValue(dialect, 'flowRun', key, v);
  const shared = {
    now: value('created', now),
    stateType: value('stateType', 'SCHEDULED'),
    stateName: value('stateName', 'Scheduled'),
    tags: value('tags', [...new Set([...dep.tags, AUTO_SCHEDULED_TAG])]),
    labels: value('labels', dep.labels),
    flowId: value('flowId', dep.flowId),
    deploymentId: value('deploymentId', dep.id),
    deploymentVersion: value('deploymentVersion', dep.version),
    workQueueId: value('workQueueId', dep.workQueueId),
    // The name only with the id, as createFlowRun does: a name without a queue is claimed by nothing.
    workQueueName: value('workQueueName', dep.workQueueId ? dep.workQueueName : null),
    jobVariables: value('jobVariables', dep.jobVariables),
    autoScheduled: value('autoScheduled', true),
  };
  let sharedBytes = ROW_OVERHEAD_BYTES;
  for (const v of Object.values(shared)) sharedBytes += estimateBytes(v);
  // Each schedule's merged parameters, encoded once for all of its runs.
  const bySchedule = new Map<string, { parameters: unknown; bytes: number }>();
  const ofSchedule = (schedule: ScheduleRow) => {
    let entry = bySchedule.get(schedule.id);
    if (!entry) {
      const parameters = value('parameters', { ...dep.parameters, ...schedule.parameters });
      entry = { parameters, bytes: sharedBytes + estimateBytes(parameters) };
      bySchedule.set(schedule.id, entry);
    }
    return entry;
  };
  return { shared, ofSchedule, at: (d: Date) => value('expectedStartTime', d) };
}

/**
 * Inserts `planned` runs of `dep` with their SCHEDULED state, skipping an instant whose idempotency
 * key another writer committed first, in at most `maxBatches` batches (each within the bind limit
 * and MAX_STATEMENT_BYTES: `scheduleDue`'s unit of one transaction). Each batch goes in statements
 * of at most scheduledRunsPerStatement runs, the event loop turning between them when due. Returns
 * the new runs' ids (in `planned` order) and whether batches were left for another call.
 */
export async function writeScheduledRuns(
  ctx: RepositoryContext,
  q: Executor,
  dep: Deployment,
  planned: readonly PlannedRun[],
  now: Date,
  maxBatches: number,
): Promise<{ ids: string[]; more: boolean }> {
  const dialect = ctx.dialect;
  const values = runValues(dialect, dep, now);
  const all = batches(
    planned,
    { maxParameters: dialect.capabilities.maxParameters, parametersPerRow: RUN_COLUMNS.length },
    (run) => values.ofSchedule(run.schedule).bytes + estimateBytes(run.key),
  );
  const perStatement = scheduledRunsPerStatement(dialect);
  const ids: string[] = [];
  for (const batch of all.slice(0, maxBatches)) {
    for (let from = 0; from < batch.length; from += perStatement) {
      ids.push(...(await writeStatement(ctx, q, batch.slice(from, from + perStatement), values, now)));
    }
  }
  return { ids, more: all.length > maxBatches };
}

/** One INSERT of runs, the INSERT of the states of those it created, and their state ids. */
async function writeStatement(
  ctx: RepositoryContext,
  q: Executor,
  runs: readonly PlannedRun[],
  values: ReturnType<typeof runValues>,
  now: Date,
): Promise<string[]> {
  const dialect = ctx.dialect;
  const { shared } = values;
  const params: unknown[] = new Array(runs.length * RUN_COLUMNS.length);
  const atOf = new Map<string, Date>();
  let n = 0;
  for (const run of runs) {
    const id = uuidv7();
    atOf.set(id, run.at);
    const at = values.at(run.at);
    // In RUN_COLUMNS order.
    params[n++] = id;
    params[n++] = shared.now;
    params[n++] = shared.now;
    params[n++] = generateRunName();
    params[n++] = shared.stateType;
    params[n++] = shared.stateName;
    params[n++] = shared.now;
    params[n++] = at;
    params[n++] = at;
    params[n++] = shared.tags;
    params[n++] = shared.labels;
    params[n++] = shared.flowId;
    params[n++] = shared.deploymentId;
    params[n++] = shared.deploymentVersion;
    params[n++] = shared.workQueueId;
    params[n++] = shared.workQueueName;
    params[n++] = values.ofSchedule(run.schedule).parameters;
    params[n++] = run.key;
    params[n++] = shared.jobVariables;
    params[n++] = shared.autoScheduled;
  }
  await turnIfDue();
  const returned = await dialect.queryArrays(q, insertText(dialect, 'flowRun', runs.length), params);
  if (returned.length === 0) return [];
  const created = new Set(returned.map((row) => row[0] as string));
  // In `runs` order, whatever order RETURNING gave.
  const ids = [...atOf.keys()].filter((id) => created.has(id));
  // The history gets the SCHEDULED state each run already carries, then the run points at it.
  const state = (key: string, v: unknown) => driverValue(dialect, 'flowRunState', key, v);
  const stamp = state('timestamp', now);
  const type = state('type', 'SCHEDULED');
  const name = state('name', 'Scheduled');
  const stateParams: unknown[] = new Array(ids.length * STATE_COLUMNS.length);
  n = 0;
  for (const id of ids) {
    // In STATE_COLUMNS order.
    stateParams[n++] = uuidv7();
    stateParams[n++] = stamp;
    stateParams[n++] = stamp;
    stateParams[n++] = id;
    stateParams[n++] = type;
    stateParams[n++] = name;
    stateParams[n++] = stamp;
    stateParams[n++] = state('stateDetails', { scheduledTime: atOf.get(id)!.toISOString(), flowRunId: id });
  }
  await turnIfDue();
  await dialect.runText(q, insertText(dialect, 'flowRunState', ids.length), stateParams);
  await turnIfDue();
  const { flowRun: fr, flowRunState: frs } = ctx.tables;
  await q
    .update(fr)
    .set({ stateId: sql`(select ${frs.id} from ${frs} where ${frs.flowRunId} = ${fr.id})` })
    .where(ctx.fragments.inList(fr.id, ids, 'uuid'));
  return ids;
}
