/** What `db.migrate()`, `migrate()` and `db.migrations` take and return (docs/migrations.md). */

/** A revision: its id and its name. */
export interface RevisionRef {
  revision: string;
  name: string;
}

export interface MigrateOptions {
  /** 'head' (default), 'base', '+N', '-N', a revision id, a migration name, or a unique id prefix. */
  to?: string;
  /** Return the SQL that would run, in order, without touching the database. */
  dryRun?: boolean;
  /** Run down migrations marked irreversible anyway. */
  force?: boolean;
  /**
   * Only move this way (what `orion-db upgrade` and `downgrade` pass): a target on the other side of
   * the current revision is a MigrationError and nothing changes (as Alembic refuses).
   */
  direction?: 'up' | 'down';
}

export interface MigrateResult {
  /** Revision id before (null at base). */
  from: string | null;
  /** Revision id after (null at base). */
  to: string | null;
  applied: { revision: string; name: string; direction: 'up' | 'down' }[];
  /** With dryRun: the statements, in order. */
  sql?: string[];
}

export interface MigrationStatus {
  current: RevisionRef | null;
  head: RevisionRef | null;
  applied: RevisionRef[];
  pending: RevisionRef[];
}

export interface MigrationHistoryEntry extends RevisionRef {
  applied: boolean;
  appliedAt: Date | null;
}
