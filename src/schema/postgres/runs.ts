import { sql } from 'drizzle-orm';
import {
  type PgTableExtraConfigValue as Extra,
  check,
  foreignKey,
  index,
  pgTable,
  primaryKey,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { STATE_TYPES, inList } from '../enums.js';
import type { CreatedBy, EmpiricalPolicy, StateDetails, StateType } from '../json-types.js';
import { ck, fk, ix, pk, uq } from '../naming.js';
import {
  baseColumns,
  bool,
  dbl,
  document,
  documentObject,
  int,
  json,
  jsonList,
  jsonObject,
  startTimeOrExpected,
  str,
  ts,
  uuidRef,
} from './columns.js';
import { workQueue } from './work.js';

/** Columns shared by flow_run and task_run: the run's current state and its timing bookkeeping. */
const runColumns = () => ({
  name: str('name').notNull(),
  stateId: uuidRef('state_id'),
  stateType: str('state_type').$type<StateType>(),
  stateName: str('state_name'),
  stateTimestamp: ts('state_timestamp'),
  runCount: int('run_count').notNull().default(0),
  expectedStartTime: ts('expected_start_time'),
  nextScheduledStartTime: ts('next_scheduled_start_time'),
  startTime: ts('start_time'),
  endTime: ts('end_time'),
  totalRunTime: dbl('total_run_time').notNull().default(0),
  empiricalPolicy: jsonObject<EmpiricalPolicy>('empirical_policy'),
  tags: jsonList<string[]>('tags'),
  labels: document<Record<string, string>>('labels'),
});

/** Columns shared by flow_run_state and task_run_state. */
const stateColumns = () => ({
  type: str('type').$type<StateType>().notNull(),
  name: str('name').notNull(),
  timestamp: ts('timestamp').notNull(),
  message: str('message'),
  stateDetails: jsonObject<StateDetails>('state_details'),
  data: document('data'),
});

const stateTypeCheck = (table: string, column: string) =>
  check(ck(table, column), sql.raw(`${column} IN (${inList(STATE_TYPES)})`));

export const flow = pgTable(
  'flow',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    tags: jsonList<string[]>('tags'),
    labels: document<Record<string, string>>('labels'),
  },
  (t): Extra[] => [
    primaryKey({ name: pk('flow'), columns: [t.id] }),
    uniqueIndex(uq('flow', 'name')).on(t.name),
    index(ix('flow', 'created')).on(t.created),
    index(ix('flow', 'updated')).on(t.updated),
    // Search (revision 2): trigram GIN for case-insensitive substring search on name.
    index(ix('flow', 'name_trgm')).using('gin', t.name.op('gin_trgm_ops')),
    index(ix('flow', 'tags')).using('gin', t.tags.op('jsonb_path_ops')),
  ],
);

export const flowRun = pgTable(
  'flow_run',
  {
    ...baseColumns(),
    ...runColumns(),
    flowId: uuidRef('flow_id').notNull(),
    deploymentId: uuidRef('deployment_id'),
    deploymentVersion: str('deployment_version'),
    workQueueId: uuidRef('work_queue_id'),
    workQueueName: str('work_queue_name'),
    flowVersion: str('flow_version'),
    parameters: documentObject('parameters'),
    idempotencyKey: str('idempotency_key'),
    context: documentObject('context'),
    createdBy: json<CreatedBy>('created_by'),
    infrastructurePid: str('infrastructure_pid'),
    jobVariables: documentObject('job_variables'),
    parentTaskRunId: uuidRef('parent_task_run_id'),
    autoScheduled: bool('auto_scheduled').notNull().default(false),
    startTimeOrExpected: startTimeOrExpected(),
  },
  (t): Extra[] => [
    primaryKey({ name: pk('flow_run'), columns: [t.id] }),
    uniqueIndex(uq('flow_run', 'flow_id', 'idempotency_key')).on(t.flowId, t.idempotencyKey),
    foreignKey({
      name: fk('flow_run', ['flow_id'], 'flow'),
      columns: [t.flowId],
      foreignColumns: [flow.id],
    }).onDelete('cascade'),
    foreignKey({
      name: fk('flow_run', ['work_queue_id'], 'work_queue'),
      columns: [t.workQueueId],
      foreignColumns: [workQueue.id],
    }).onDelete('set null'),
    foreignKey({
      name: fk('flow_run', ['parent_task_run_id'], 'task_run'),
      columns: [t.parentTaskRunId],
      foreignColumns: [taskRun.id],
    }).onDelete('set null'),
    foreignKey({
      name: fk('flow_run', ['state_id'], 'flow_run_state'),
      columns: [t.stateId],
      foreignColumns: [flowRunState.id],
    }).onDelete('set null'),
    stateTypeCheck('flow_run', 'state_type'),
    index(ix('flow_run', 'updated')).on(t.updated),
    // Search (revision 2): trigram GIN for case-insensitive substring search on name.
    index(ix('flow_run', 'name_trgm')).using('gin', t.name.op('gin_trgm_ops')),
    index(ix('flow_run', 'tags')).using('gin', t.tags.op('jsonb_path_ops')),
    index(ix('flow_run', 'flow_id')).on(t.flowId),
    index(ix('flow_run', 'work_queue_id')).on(t.workQueueId),
    index(ix('flow_run', 'parent_task_run_id')).on(t.parentTaskRunId),
    index(ix('flow_run', 'state_id')).on(t.stateId),
    index(ix('flow_run', 'state_name')).on(t.stateName),
    index(ix('flow_run', 'state_timestamp')).on(t.stateTimestamp),
    index(ix('flow_run', 'start_time')).on(t.startTime),
    index(ix('flow_run', 'expected_start_time')).on(t.expectedStartTime),
    // Revision 11 (sort_indexes): each list sort on a nullable column in its own order, id as the
    // tie-break (sorting.ts sends `nulls last` both ways). A btree read backwards is DESC NULLS
    // FIRST, so the DESC sorts need DESC NULLS LAST indexes. END_TIME and NEXT_SCHEDULED_START_TIME
    // are sorted one way only: their indexes replace the single-column ones (same count of index
    // writes per transition; range filters and markLate still read the leading column).
    // EXPECTED_START_TIME is sorted both ways: its ascending index stays (ASC NULLS LAST forwards).
    // Prefect indexes the same one direction per sort (orm_models.py: expected_start_time desc,
    // next_scheduled_start_time asc, end_time desc), without the id.
    index(ix('flow_run', 'expected_start_time', 'id')).on(
      t.expectedStartTime.desc().nullsLast(),
      t.id.desc().nullsFirst(),
    ),
    index(ix('flow_run', 'end_time', 'id')).on(t.endTime.desc().nullsLast(), t.id.desc().nullsFirst()),
    index(ix('flow_run', 'next_scheduled_start_time', 'id')).on(t.nextScheduledStartTime, t.id),
    index(ix('flow_run', 'name')).on(t.name),
    index(ix('flow_run', 'start_time_or_expected')).on(t.startTimeOrExpected),
    // Revision 8 (list_indexes): START_TIME_DESC is `desc nulls last, id desc`, an order an ascending
    // index read backwards cannot give (that is NULLS FIRST), so PostgreSQL sorted every matching run
    // for a page; these hold the sort's own order, alone and after a state or deployment equality.
    index(ix('flow_run', 'start_time_or_expected', 'id')).on(
      t.startTimeOrExpected.desc().nullsLast(),
      t.id.desc().nullsFirst(),
    ),
    index(ix('flow_run', 'state_type', 'start_time_or_expected', 'id')).on(
      t.stateType,
      t.startTimeOrExpected.desc().nullsLast(),
      t.id.desc().nullsFirst(),
    ),
    index(ix('flow_run', 'deployment_id', 'start_time_or_expected', 'id')).on(
      t.deploymentId,
      t.startTimeOrExpected.desc().nullsLast(),
      t.id.desc().nullsFirst(),
    ),
    // Serves claiming: the scheduled runs of a queue in claim order, ties by id (revision 9: with
    // id, a top-k stops at k rows instead of sorting every due run of the queue on SQLite).
    index(ix('flow_run', 'scheduled', 'work_queue_id', 'next_scheduled_start_time', 'id'))
      .on(t.workQueueId, t.nextScheduledStartTime, t.id)
      .where(sql`state_type = 'SCHEDULED'`),
    // Serves claim fairness (revision 7): each deployment's oldest due runs in a queue, a top-k per
    // deployment, and the runs of a queue that belong to no deployment.
    index(ix('flow_run', 'scheduled', 'work_queue_id', 'deployment_id', 'next_scheduled_start_time'))
      .on(t.workQueueId, t.deploymentId, t.nextScheduledStartTime)
      .where(sql`state_type = 'SCHEDULED'`),
    // Serves scheduling: a deployment's future auto-scheduled runs.
    index(ix('flow_run', 'scheduled', 'deployment_id', 'auto_scheduled', 'next_scheduled_start_time'))
      .on(t.deploymentId, t.autoScheduled, t.nextScheduledStartTime)
      .where(sql`state_type = 'SCHEDULED'`),
  ],
);

export const flowRunState = pgTable(
  'flow_run_state',
  { ...baseColumns(), flowRunId: uuidRef('flow_run_id').notNull(), ...stateColumns() },
  (t): Extra[] => [
    primaryKey({ name: pk('flow_run_state'), columns: [t.id] }),
    uniqueIndex(uq('flow_run_state', 'flow_run_id', 'timestamp')).on(t.flowRunId, t.timestamp),
    foreignKey({
      name: fk('flow_run_state', ['flow_run_id'], 'flow_run'),
      columns: [t.flowRunId],
      foreignColumns: [flowRun.id],
    }).onDelete('cascade'),
    stateTypeCheck('flow_run_state', 'type'),
    index(ix('flow_run_state', 'updated')).on(t.updated),
    index(ix('flow_run_state', 'type')).on(t.type),
    index(ix('flow_run_state', 'name')).on(t.name),
  ],
);

export const taskRun = pgTable(
  'task_run',
  {
    ...baseColumns(),
    ...runColumns(),
    flowRunId: uuidRef('flow_run_id'),
    taskKey: str('task_key').notNull(),
    dynamicKey: str('dynamic_key').notNull(),
    cacheKey: str('cache_key'),
    cacheExpiration: ts('cache_expiration'),
    taskVersion: str('task_version'),
    flowRunRunCount: int('flow_run_run_count').notNull().default(0),
    taskInputs: documentObject('task_inputs'),
  },
  (t): Extra[] => [
    primaryKey({ name: pk('task_run'), columns: [t.id] }),
    uniqueIndex(uq('task_run', 'flow_run_id', 'task_key', 'dynamic_key')).on(
      t.flowRunId,
      t.taskKey,
      t.dynamicKey,
    ),
    // Background tasks have no flow run, and NULLs are never equal in a unique index.
    uniqueIndex(uq('task_run', 'task_key', 'dynamic_key'))
      .on(t.taskKey, t.dynamicKey)
      .where(sql`flow_run_id IS NULL`),
    foreignKey({
      name: fk('task_run', ['flow_run_id'], 'flow_run'),
      columns: [t.flowRunId],
      foreignColumns: [flowRun.id],
    }).onDelete('cascade'),
    stateTypeCheck('task_run', 'state_type'),
    index(ix('task_run', 'updated')).on(t.updated),
    // Search (revision 2): trigram GIN for case-insensitive substring search on name.
    index(ix('task_run', 'name_trgm')).using('gin', t.name.op('gin_trgm_ops')),
    index(ix('task_run', 'tags')).using('gin', t.tags.op('jsonb_path_ops')),
    index(ix('task_run', 'flow_run_id')).on(t.flowRunId),
    index(ix('task_run', 'state_id')).on(t.stateId),
    index(ix('task_run', 'state_type', 'start_time')).on(t.stateType, t.startTime),
    index(ix('task_run', 'start_time')).on(t.startTime),
    index(ix('task_run', 'expected_start_time')).on(t.expectedStartTime),
    // Revision 11 (sort_indexes): the same sort indexes as flow_run's (see there).
    index(ix('task_run', 'expected_start_time', 'id')).on(
      t.expectedStartTime.desc().nullsLast(),
      t.id.desc().nullsFirst(),
    ),
    index(ix('task_run', 'end_time', 'id')).on(t.endTime.desc().nullsLast(), t.id.desc().nullsFirst()),
    index(ix('task_run', 'next_scheduled_start_time', 'id')).on(t.nextScheduledStartTime, t.id),
    index(ix('task_run', 'name')).on(t.name),
    // Revision 11: the START_TIME sorts' key, coalesce(start_time, expected_start_time), which
    // task-runs.ts sends as that expression. An expression index, not flow_run's generated column:
    // no table rewrite at migration and no stored column; the same two indexes as flow_run's
    // (ascending for START_TIME_ASC, DESC NULLS LAST with id DESC for START_TIME_DESC).
    index(ix('task_run', 'start_time_or_expected')).on(sql`coalesce(start_time, expected_start_time)`),
    index(ix('task_run', 'start_time_or_expected', 'id')).on(
      sql`coalesce(start_time, expected_start_time) desc nulls last`,
      t.id.desc().nullsFirst(),
    ),
  ],
);

export const taskRunState = pgTable(
  'task_run_state',
  { ...baseColumns(), taskRunId: uuidRef('task_run_id').notNull(), ...stateColumns() },
  (t): Extra[] => [
    primaryKey({ name: pk('task_run_state'), columns: [t.id] }),
    uniqueIndex(uq('task_run_state', 'task_run_id', 'timestamp')).on(t.taskRunId, t.timestamp),
    foreignKey({
      name: fk('task_run_state', ['task_run_id'], 'task_run'),
      columns: [t.taskRunId],
      foreignColumns: [taskRun.id],
    }).onDelete('cascade'),
    stateTypeCheck('task_run_state', 'type'),
    index(ix('task_run_state', 'updated')).on(t.updated),
    index(ix('task_run_state', 'type')).on(t.type),
    index(ix('task_run_state', 'name')).on(t.name),
  ],
);
