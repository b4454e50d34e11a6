/** Shapes of the JSON columns the library itself interprets (stored camelCase). */
import type { StateType } from './enums.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface StateDetails {
  flowRunId?: string;
  taskRunId?: string;
  scheduledTime?: string;
  cacheKey?: string;
  cacheExpiration?: string;
  pauseKey?: string;
  untrackableResult?: boolean;
  [key: string]: Json | undefined;
}

export interface EmpiricalPolicy {
  retries?: number | null;
  retryDelaySeconds?: number | number[] | null;
  retryType?: 'in_process' | 'reschedule' | null;
  resuming?: boolean;
  pauseKeys?: string[];
  [key: string]: Json | undefined;
}

export interface CreatedBy {
  id?: string | null;
  type?: string | null;
  displayValue?: string | null;
}

export type Schedule =
  | { interval: number; anchorDate?: string; timezone?: string | null }
  | { cron: string; timezone?: string | null; dayOr?: boolean }
  | { rrule: string; timezone?: string | null };

export interface ConcurrencyOptions {
  collisionStrategy: 'ENQUEUE' | 'CANCEL_NEW';
}

export type { StateType };
