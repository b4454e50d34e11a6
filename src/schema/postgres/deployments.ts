import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
import { DEPLOYMENT_STATUSES, inList } from '../enums.js';
import type { DeploymentStatus } from '../enums.js';
import type { ConcurrencyOptions, CreatedBy, Schedule } from '../json-types.js';
import { ck, fk, ix, pk, uq } from '../naming.js';
import {
  baseColumns,
  bool,
  document,
  documentObject,
  int,
  json,
  jsonList,
  str,
  ts,
  uuidRef,
} from './columns.js';
import { flow } from './runs.js';
import { workQueue } from './work.js';

export const deployment = pgTable(
  'deployment',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    flowId: uuidRef('flow_id').notNull(),
    version: str('version'),
    description: str('description'),
    workQueueId: uuidRef('work_queue_id'),
    workQueueName: str('work_queue_name'),
    path: str('path'),
    entrypoint: str('entrypoint'),
    parameters: documentObject('parameters'),
    parameterOpenapiSchema: document('parameter_openapi_schema'),
    enforceParameterSchema: bool('enforce_parameter_schema').notNull().default(true),
    jobVariables: documentObject('job_variables'),
    pullSteps: document('pull_steps'),
    tags: jsonList<string[]>('tags'),
    labels: document<Record<string, string>>('labels'),
    paused: bool('paused').notNull().default(false),
    status: str('status').$type<DeploymentStatus>().notNull().default('NOT_READY'),
    lastPolled: ts('last_polled'),
    concurrencyLimit: int('concurrency_limit'),
    concurrencyOptions: json<ConcurrencyOptions>('concurrency_options'),
    createdBy: json<CreatedBy>('created_by'),
    updatedBy: json<CreatedBy>('updated_by'),
  },
  (t) => [
    primaryKey({ name: pk('deployment'), columns: [t.id] }),
    uniqueIndex(uq('deployment', 'flow_id', 'name')).on(t.flowId, t.name),
    foreignKey({
      name: fk('deployment', ['flow_id'], 'flow'),
      columns: [t.flowId],
      foreignColumns: [flow.id],
    }).onDelete('cascade'),
    foreignKey({
      name: fk('deployment', ['work_queue_id'], 'work_queue'),
      columns: [t.workQueueId],
      foreignColumns: [workQueue.id],
    }).onDelete('set null'),
    check(ck('deployment', 'status'), sql.raw(`status IN (${inList(DEPLOYMENT_STATUSES)})`)),
    check(ck('deployment', 'concurrency_limit'), sql.raw('concurrency_limit >= 0')),
    index(ix('deployment', 'updated')).on(t.updated),
    // Search (revision 2): trigram GIN for case-insensitive substring search on name.
    index(ix('deployment', 'name_trgm')).using('gin', t.name.op('gin_trgm_ops')),
    index(ix('deployment', 'tags')).using('gin', t.tags.op('jsonb_path_ops')),
    index(ix('deployment', 'created')).on(t.created),
    index(ix('deployment', 'work_queue_id')).on(t.workQueueId),
    index(ix('deployment', 'work_queue_name')).on(t.workQueueName),
    index(ix('deployment', 'paused')).on(t.paused),
  ],
);

export const deploymentSchedule = pgTable(
  'deployment_schedule',
  {
    ...baseColumns(),
    deploymentId: uuidRef('deployment_id').notNull(),
    schedule: json<Schedule>('schedule').notNull(),
    active: bool('active').notNull().default(true),
    maxScheduledRuns: int('max_scheduled_runs'),
    parameters: documentObject('parameters'),
    slug: str('slug'),
  },
  (t) => [
    primaryKey({ name: pk('deployment_schedule'), columns: [t.id] }),
    uniqueIndex(uq('deployment_schedule', 'deployment_id', 'slug')).on(t.deploymentId, t.slug),
    foreignKey({
      name: fk('deployment_schedule', ['deployment_id'], 'deployment'),
      columns: [t.deploymentId],
      foreignColumns: [deployment.id],
    }).onDelete('cascade'),
    index(ix('deployment_schedule', 'updated')).on(t.updated),
    index(ix('deployment_schedule', 'deployment_id')).on(t.deploymentId),
  ],
);
