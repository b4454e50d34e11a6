/** Value sets stored as text with CHECK constraints on both dialects (no native enums: they cannot be downgraded). */
export const STATE_TYPES = [
  'SCHEDULED',
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'CRASHED',
  'PAUSED',
  'CANCELLING',
] as const;
export type StateType = (typeof STATE_TYPES)[number];

export const TERMINAL_STATE_TYPES = ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'] as const;

export const DEPLOYMENT_STATUSES = ['READY', 'NOT_READY'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const WORK_POOL_STATUSES = ['READY', 'NOT_READY', 'PAUSED'] as const;
export type WorkPoolStatus = (typeof WORK_POOL_STATUSES)[number];

export const WORK_QUEUE_STATUSES = ['READY', 'NOT_READY', 'PAUSED'] as const;
export type WorkQueueStatus = (typeof WORK_QUEUE_STATUSES)[number];

export const WORKER_STATUSES = ['ONLINE', 'OFFLINE'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

/** SQL for `column IN ('A', 'B', ...)`; the values are our own constants, never user input. */
export function inList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}
