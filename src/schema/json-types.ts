/** Shapes of the JSON columns the library itself interprets (stored camelCase). */
import type { StateType } from './enums.js';

/** Any JSON value: what `JSON.parse` returns (no `undefined`, `Date`, `bigint`, functions or cycles). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** The same as `Json`, by the name most libraries use. */
export type JsonValue = Json;
/**
 * A JSON object: the type of user documents (`parameters`, `jobVariables`, `context`, block data...).
 * A value declared with an `interface` is not assignable to it (TypeScript gives interfaces no
 * implicit index signature); declare such shapes with `type` instead.
 */
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

/**
 * State details as a caller gives them: as `StateDetails`, and the time keys (`scheduledTime`,
 * `pauseTimeout`, `cacheExpiration`) also take a `Date` or an ISO string with an offset; they are
 * stored as `Date.prototype.toISOString()` text.
 */
export interface StateDetailsInput {
  flowRunId?: string | undefined;
  taskRunId?: string | undefined;
  scheduledTime?: string | Date | null | undefined;
  pauseTimeout?: string | Date | null | undefined;
  cacheKey?: string | undefined;
  cacheExpiration?: string | Date | null | undefined;
  pauseKey?: string | undefined;
  untrackableResult?: boolean | undefined;
  [key: string]: Json | Date | undefined;
}

export interface EmpiricalPolicy {
  retries?: number | null;
  retryDelaySeconds?: number | number[] | null;
  retryType?: 'in_process' | 'reschedule' | null;
  resuming?: boolean;
  pauseKeys?: string[];
  [key: string]: Json | undefined;
}

/** Who created or updated something (a type alias, so it is also a JSON object). */
export type CreatedBy = {
  id?: string | null;
  type?: string | null;
  displayValue?: string | null;
};

export type Schedule =
  | { interval: number; anchorDate?: string; timezone?: string | null }
  | { cron: string; timezone?: string | null; dayOr?: boolean }
  | { rrule: string; timezone?: string | null };

export interface ConcurrencyOptions {
  collisionStrategy: 'ENQUEUE' | 'CANCEL_NEW';
}

export type { StateType };
