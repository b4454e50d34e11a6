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
import { WORKER_STATUSES, WORK_POOL_STATUSES, WORK_QUEUE_STATUSES, inList } from '../enums.js';
import type { WorkerStatus, WorkPoolStatus, WorkQueueStatus } from '../enums.js';
import { ck, fk, ix, pk, uq } from '../naming.js';
import { baseColumns, bool, documentObject, int, str, ts, uuidRef } from './columns.js';

export const workPool = pgTable(
  'work_pool',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    description: str('description'),
    type: str('type').notNull(),
    baseJobTemplate: documentObject('base_job_template'),
    isPaused: bool('is_paused').notNull().default(false),
    defaultQueueId: uuidRef('default_queue_id'),
    concurrencyLimit: int('concurrency_limit'),
    status: str('status').$type<WorkPoolStatus>().notNull().default('NOT_READY'),
    lastTransitionedStatusAt: ts('last_transitioned_status_at'),
    storageConfiguration: documentObject('storage_configuration'),
  },
  (t): Extra[] => [
    primaryKey({ name: pk('work_pool'), columns: [t.id] }),
    uniqueIndex(uq('work_pool', 'name')).on(t.name),
    foreignKey({
      name: fk('work_pool', ['default_queue_id'], 'work_queue'),
      columns: [t.defaultQueueId],
      foreignColumns: [workQueue.id],
    }).onDelete('restrict'),
    check(ck('work_pool', 'status'), sql.raw(`status IN (${inList(WORK_POOL_STATUSES)})`)),
    check(ck('work_pool', 'concurrency_limit'), sql.raw('concurrency_limit >= 0')),
    index(ix('work_pool', 'updated')).on(t.updated),
    index(ix('work_pool', 'type')).on(t.type),
  ],
);

export const workQueue = pgTable(
  'work_queue',
  {
    ...baseColumns(),
    workPoolId: uuidRef('work_pool_id').notNull(),
    name: str('name').notNull(),
    description: str('description').notNull().default(''),
    isPaused: bool('is_paused').notNull().default(false),
    concurrencyLimit: int('concurrency_limit'),
    priority: int('priority').notNull().default(1),
    lastPolled: ts('last_polled'),
    status: str('status').$type<WorkQueueStatus>().notNull().default('NOT_READY'),
  },
  (t): Extra[] => [
    primaryKey({ name: pk('work_queue'), columns: [t.id] }),
    uniqueIndex(uq('work_queue', 'work_pool_id', 'name')).on(t.workPoolId, t.name),
    foreignKey({
      name: fk('work_queue', ['work_pool_id'], 'work_pool'),
      columns: [t.workPoolId],
      foreignColumns: [workPool.id],
    }).onDelete('cascade'),
    check(ck('work_queue', 'status'), sql.raw(`status IN (${inList(WORK_QUEUE_STATUSES)})`)),
    check(ck('work_queue', 'priority'), sql.raw('priority >= 1')),
    check(ck('work_queue', 'concurrency_limit'), sql.raw('concurrency_limit >= 0')),
    index(ix('work_queue', 'updated')).on(t.updated),
    // Search (revision 2): trigram GIN for case-insensitive substring search on name.
    index(ix('work_queue', 'name_trgm')).using('gin', t.name.op('gin_trgm_ops')),
    index(ix('work_queue', 'work_pool_id', 'priority')).on(t.workPoolId, t.priority),
  ],
);

export const worker = pgTable(
  'worker',
  {
    ...baseColumns(),
    workPoolId: uuidRef('work_pool_id').notNull(),
    name: str('name').notNull(),
    lastHeartbeatTime: ts('last_heartbeat_time').notNull(),
    heartbeatIntervalSeconds: int('heartbeat_interval_seconds'),
    status: str('status').$type<WorkerStatus>().notNull().default('OFFLINE'),
  },
  (t): Extra[] => [
    primaryKey({ name: pk('worker'), columns: [t.id] }),
    uniqueIndex(uq('worker', 'work_pool_id', 'name')).on(t.workPoolId, t.name),
    foreignKey({
      name: fk('worker', ['work_pool_id'], 'work_pool'),
      columns: [t.workPoolId],
      foreignColumns: [workPool.id],
    }).onDelete('cascade'),
    check(ck('worker', 'status'), sql.raw(`status IN (${inList(WORKER_STATUSES)})`)),
    index(ix('worker', 'updated')).on(t.updated),
    index(ix('worker', 'work_pool_id', 'last_heartbeat_time')).on(t.workPoolId, t.lastHeartbeatTime),
  ],
);
