import { index, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { ix, pk } from '../naming.js';
import { baseColumns, small, str, ts, uuidRef } from './columns.js';

/** Logs carry no foreign keys on purpose: they may arrive before their run. */
export const log = pgTable(
  'log',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    level: small('level').notNull(),
    flowRunId: uuidRef('flow_run_id'),
    taskRunId: uuidRef('task_run_id'),
    message: str('message').notNull(),
    timestamp: ts('timestamp').notNull(),
  },
  (t) => [
    primaryKey({ name: pk('log'), columns: [t.id] }),
    index(ix('log', 'updated')).on(t.updated),
    index(ix('log', 'flow_run_id', 'timestamp')).on(t.flowRunId, t.timestamp),
    index(ix('log', 'task_run_id')).on(t.taskRunId),
    index(ix('log', 'level')).on(t.level),
    index(ix('log', 'timestamp')).on(t.timestamp),
  ],
);
