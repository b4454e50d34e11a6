/**
 * The closed set of errors @orion/db throws. Every driver error is mapped to one of these in
 * `dialect/map-error.ts`; nothing raw reaches a caller.
 */
import { entityOf } from './schema/entities.js';
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

/**
 * A row the call names (or references) does not exist. `.entity` is what the row is, in words
 * (`'work pool'`); `.id` the id or name asked for; `.constraint` the foreign key that found the
 * reference missing, when a write referenced the row (named the same on both dialects).
 */
export class NotFoundError extends OrionDbError {
  override readonly code = 'NOT_FOUND';
  readonly entity: string;
  readonly constraint: string | undefined;
  constructor(
    entity: string,
    readonly id: string,
    message?: string,
    options?: { cause?: unknown; constraint?: string },
  ) {
    // A table name handed in by mistake still comes out as words (semantics.md §2 "Errors").
    const words = entityOf(entity);
    super(message ?? `${words} ${id} not found`, { cause: options?.cause });
    this.entity = words;
    this.constraint = options?.constraint;
  }
}

/**
 * A unique constraint or another rule refused the write, or a deleted row is still referenced.
 * `.entity` is what the row is, in words; `.constraint` the constraint's name (the same on both
 * dialects) or the rule's.
 */
export class ConflictError extends OrionDbError {
  override readonly code: string = 'CONFLICT';
  readonly entity: string;
  constructor(
    entity: string,
    readonly constraint: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.entity = entityOf(entity);
  }
}

/**
 * A compare-and-set state transition lost the race: the run moved first. `.entity` is `'flow run'`
 * or `'task run'`, `.id` the run's id, `.constraint` `'expected_state_id'`.
 * @example
 * try { await db.flowRuns.setState(id, { type: 'RUNNING' }, { expectedStateId }); }
 * catch (e) { if (e instanceof StaleStateError) console.log(`${e.entity} ${e.id} moved first`); }
 */
export class StaleStateError extends ConflictError {
  override readonly code = 'STALE_STATE';
  constructor(
    entity: string,
    readonly id: string,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(entity, 'expected_state_id', message ?? `The ${entityOf(entity)} ${id} moved first`, options);
  }
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
