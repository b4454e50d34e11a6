/**
 * The reference the bulk writer of scheduled runs is checked against: the same rules written one
 * run at a time with Drizzle's query builder (a statement per run, per state, per state id), as
 * plainly as they read in docs/work.md. Slow, obvious, and independent of the text statements.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Dialect } from '../../src/dialect/dialect.js';
import { scheduleInstants } from '../../src/repositories/schedules.js';

export interface ReferenceWindow {
  start: Date;
  end: Date;
  max: number;
}

/** Writes `deploymentId`'s missing runs in the window as scheduleRuns would; returns their ids. */
export async function referenceScheduleRuns(
  dialect: Dialect,
  deploymentId: string,
  window: ReferenceWindow,
  now: Date,
): Promise<string[]> {
  const { deployment: d, deploymentSchedule: s, flowRun: fr, flowRunState: frs } = dialect.tables;
  return dialect.transaction(async ({ executor: q }) => {
    const [dep] = await q.select().from(d).where(eq(d.id, deploymentId));
    if (!dep || dep.paused) return [];
    const schedules = await q
      .select()
      .from(s)
      .where(and(eq(s.deploymentId, dep.id), eq(s.active, true)))
      .orderBy(asc(s.created), asc(s.id));
    const ids: string[] = [];
    for (const schedule of schedules) {
      const cap = Math.min(window.max, schedule.maxScheduledRuns ?? window.max);
      for (const at of scheduleInstants(schedule.schedule, window.start, window.end, cap)) {
        const key = `scheduled ${dep.id} ${schedule.id} ${at.toISOString()}`;
        const [taken] = await q
          .select({ id: fr.id })
          .from(fr)
          .where(and(eq(fr.flowId, dep.flowId), eq(fr.idempotencyKey, key)));
        if (taken) continue;
        const [run] = await q
          .insert(fr)
          .values({
            flowId: dep.flowId,
            deploymentId: dep.id,
            deploymentVersion: dep.version,
            workQueueId: dep.workQueueId,
            workQueueName: dep.workQueueId ? dep.workQueueName : null,
            name: 'reference',
            parameters: { ...dep.parameters, ...schedule.parameters },
            idempotencyKey: key,
            tags: [...new Set([...dep.tags, 'auto-scheduled'])],
            labels: dep.labels,
            jobVariables: dep.jobVariables,
            autoScheduled: true,
            stateType: 'SCHEDULED',
            stateName: 'Scheduled',
            stateTimestamp: now,
            expectedStartTime: at,
            nextScheduledStartTime: at,
            created: now,
            updated: now,
          })
          .returning({ id: fr.id });
        const [state] = await q
          .insert(frs)
          .values({
            flowRunId: run!.id,
            type: 'SCHEDULED',
            name: 'Scheduled',
            timestamp: now,
            stateDetails: { scheduledTime: at.toISOString(), flowRunId: run!.id },
            created: now,
            updated: now,
          })
          .returning({ id: frs.id });
        await q.update(fr).set({ stateId: state!.id }).where(eq(fr.id, run!.id));
        ids.push(run!.id);
      }
    }
    return ids;
  });
}

/** Every column of the runs with these ids and of their states, as Drizzle reads them. */
export async function readRunsAndStates(dialect: Dialect, ids: readonly string[]) {
  const { flowRun: fr, flowRunState: frs } = dialect.tables;
  if (ids.length === 0) return { runs: [], states: [] };
  return dialect.run(async (q) => ({
    runs: await q
      .select()
      .from(fr)
      .where(inArray(fr.id, [...ids])),
    states: await q
      .select()
      .from(frs)
      .where(inArray(frs.flowRunId, [...ids])),
  }));
}
