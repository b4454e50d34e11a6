/**
 * The closed set of errors @orion/db throws. Every driver error is mapped to one of these in
 * `dialect/<name>/errors.ts`; nothing raw reaches a caller.
 */
import { maskSecrets } from './settings/mask.js';

export class OrionDbError extends Error {
  readonly code: string = 'ORION_DB_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(maskSecrets(message), options);
    this.name = new.target.name;
  }
}

export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

/** Input failed validation; nothing was written. `.issues` lists what was wrong, with paths. */
export class ValidationError extends OrionDbError {
  override readonly code = 'VALIDATION';
  constructor(
    message: string,
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message);
  }
}

/** A row the call names (or references) does not exist. */
export class NotFoundError extends OrionDbError {
  override readonly code = 'NOT_FOUND';
  constructor(
    readonly entity: string,
    readonly id: string,
    message = `${entity} ${id} not found`,
  ) {
    super(message);
  }
}

/** A unique constraint (named the same on both dialects) or another rule refused the write. */
export class ConflictError extends OrionDbError {
  override readonly code: string = 'CONFLICT';
  constructor(
    readonly entity: string,
    readonly constraint: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A compare-and-set state transition lost the race: the run moved first. */
export class StaleStateError extends ConflictError {
  override readonly code = 'STALE_STATE';
}

export interface MigrationStepResult {
  revision: string;
  name: string;
  direction: 'up' | 'down';
  status: 'applied' | 'failed' | 'skipped';
  statement?: string;
  error?: string;
}

/** A migration failed, a target was not understood, or the database is ahead of this code. */
export class MigrationError extends OrionDbError {
  override readonly code = 'MIGRATION';
  constructor(
    message: string,
    readonly results: MigrationStepResult[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The server or file cannot host @orion/db (too old, missing pg_trgm, ...). The message says what to do. */
export class UnsupportedDatabaseError extends OrionDbError {
  override readonly code = 'UNSUPPORTED_DATABASE';
}

/** A setting could not be understood; the message names the setting and where it came from. */
export class ConfigurationError extends OrionDbError {
  override readonly code = 'CONFIGURATION';
}

/** An operational failure: lost connection, timeout, a file still locked, use after close(). */
export class DatabaseError extends OrionDbError {
  override readonly code = 'DATABASE';
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, { cause: options?.cause });
    this.retryable = options?.retryable ?? false;
  }
}
