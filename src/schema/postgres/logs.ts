import { index, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { ix, pk } from '../naming.js';
import { baseColumns, small, str, ts, uuidRef } from './columns.js';

/**
 * Logs carry no foreign keys on purpose: they may arrive before their run. `message` is read only
 * by a trigram GIN index (no B-tree), so it has no byte cap beyond its 1,000,000 bytes.
 */
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
    // A run's page in (timestamp, id) order, the tie-break included (revision 8, list_indexes): with
    // (flow_run_id, timestamp) alone both this and ix_log__timestamp needed a sort by id, and
    // PostgreSQL could prefer walking every log by timestamp.
    index(ix('log', 'flow_run_id', 'timestamp', 'id')).on(t.flowRunId, t.timestamp, t.id),
    index(ix('log', 'task_run_id')).on(t.taskRunId),
    index(ix('log', 'level')).on(t.level),
    index(ix('log', 'timestamp')).on(t.timestamp),
    // The text query's substring matches (issue 9; revision log_message_trigram). SQLite scans.
    index(ix('log', 'message_trgm')).using('gin', t.message.op('gin_trgm_ops')),
  ],
);
