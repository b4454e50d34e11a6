import type { Dialect, RawExecutor } from '../dialect/dialect.js';
import { mapDriverError } from '../dialect/map-error.js';
import { DatabaseError, MigrationError, type MigrationStepResult } from '../errors.js';
import {
  type AppliedRevision,
  CREATE_HISTORY_TABLE,
  HISTORY_TABLE,
  SELECT_HISTORY,
  readHistory,
  recordApplied,
  recordReverted,
  toApplied,
} from './history.js';
import type {
  MigrateOptions,
  MigrateResult,
  MigrationHistoryEntry,
  MigrationStatus,
  RevisionRef,
} from '../public/migrations.js';
import type { Revision } from './revisions.js';
import { resolveTarget } from './targets.js';

const ref = (r: Revision): RevisionRef => ({ revision: r.revision, name: r.name });
const label = (r: Revision): string => `${r.revision} (${r.name})`;

/**
 * Applies the revisions of one dialect. Each step is its own transaction holding the migration lock
 * and its history row, and re-reads the applied set once the lock is held, so concurrent migrators
 * apply every revision exactly once.
 */
export class Migrator {
  constructor(
    private readonly dialect: Dialect,
    private readonly revisions: readonly Revision[],
  ) {}

  /** The applied revisions, checked: known, unchanged, and a prefix of the revision list. */
  private check(applied: AppliedRevision[]): number {
    const byId = new Map(this.revisions.map((r) => [r.revision, r]));
    const head = this.revisions.at(-1);
    for (const row of applied) {
      const known = byId.get(row.revision);
      if (!known) {
        throw new MigrationError(
          `The database has revision ${row.revision} (${row.name}) applied, which this version of @orion/db does not know ` +
            `(its newest is ${head ? `${head.revision} (${head.name})` : 'none'}): it was migrated by a newer @orion/db. ` +
            'Upgrade @orion/db, or downgrade the database with the newer version first. Nothing was changed.',
        );
      }
      if (known.checksum !== row.checksum) {
        throw new MigrationError(
          `Migration ${known.tag} (revision ${known.revision}) was edited after it was applied: its checksum no longer matches. ` +
            'Restore the original file and put the change in a new migration.',
        );
      }
    }
    const appliedIds = new Set(applied.map((a) => a.revision));
    const count = applied.length;
    const gap = this.revisions.slice(0, count).find((r) => !appliedIds.has(r.revision));
    if (gap) {
      throw new MigrationError(
        `The migration history has a gap: ${gap.revision} (${gap.name}) is not applied but later ones are`,
      );
    }
    return count;
  }

  /** The applied set without taking the lock (for status, dry runs and relative targets). */
  async readApplied(): Promise<AppliedRevision[]> {
    if (!(await this.dialect.hasTable(HISTORY_TABLE))) return [];
    return (await this.dialect.query(SELECT_HISTORY)).map(toApplied);
  }

  /**
   * Throws MigrationError when the database is not at this code's head: ahead of it, an applied
   * file changed, or behind it (semantics.md §3: a database behind the code opened without
   * migrating is refused at open, naming both revisions and `orion-db upgrade`).
   */
  async verify(): Promise<void> {
    const current = this.check(await this.readApplied());
    if (current === this.revisions.length) return;
    const at = current === 0 ? 'base (no migrations applied)' : label(this.revisions[current - 1]!);
    const head = label(this.revisions.at(-1)!);
    const pending = this.revisions.length - current;
    throw new MigrationError(
      `The database is behind this version of @orion/db: it is at ${at}, this code's head is ${head} ` +
        `(${pending} migration${pending === 1 ? '' : 's'} pending). Run \`orion-db upgrade\` (or migrate({ to: 'head' })), ` +
        'or open with migrateOnOpen: true. Nothing was changed.',
    );
  }

  async status(): Promise<MigrationStatus> {
    const current = this.check(await this.readApplied());
    const head = this.revisions.at(-1);
    return {
      current: current === 0 ? null : ref(this.revisions[current - 1]!),
      head: head ? ref(head) : null,
      applied: this.revisions.slice(0, current).map(ref),
      pending: this.revisions.slice(current).map(ref),
    };
  }

  async history(): Promise<MigrationHistoryEntry[]> {
    const applied = await this.readApplied();
    this.check(applied);
    const at = new Map(applied.map((a) => [a.revision, a.appliedAt]));
    return this.revisions.map((r) => ({
      ...ref(r),
      applied: at.has(r.revision),
      appliedAt: at.get(r.revision) ?? null,
    }));
  }

  async migrate(options: MigrateOptions = {}): Promise<MigrateResult> {
    const startCount = this.check(await this.readApplied());
    const target = resolveTarget(options.to ?? 'head', this.revisions, startCount);
    const idAt = (count: number) => (count === 0 ? null : this.revisions[count - 1]!.revision);
    this.checkDirection(options, startCount, target);
    if (options.dryRun) return this.plan(startCount, target, options.force ?? false, idAt);

    const results: MigrationStepResult[] = [];
    let current = startCount;
    for (;;) {
      let step: { revision: Revision; direction: 'up' | 'down'; after: number } | null;
      try {
        step = await this.dialect.migrationStep((raw) => this.step(raw, target, options));
      } catch (error) {
        throw busy(error) ?? this.failure(error, results);
      }
      if (step === null) break;
      current = step.after;
      results.push({ ...ref(step.revision), direction: step.direction, status: 'applied' });
    }
    return {
      from: idAt(startCount),
      to: idAt(current),
      applied: results.map(({ revision, name, direction }) => ({ revision, name, direction })),
    };
  }

  /** One step toward `target` under the lock: re-read, then apply or revert one revision, or return null. */
  private async step(raw: RawExecutor, target: number, options: MigrateOptions) {
    const force = options.force ?? false;
    await raw.exec(CREATE_HISTORY_TABLE);
    const current = this.check(await readHistory(raw));
    if (current === target) return null;
    // Checked again under the lock: another process may have moved the database meanwhile.
    this.checkDirection(options, current, target);
    const direction = current < target ? 'up' : 'down';
    const revision = this.revisions[direction === 'up' ? current : current - 1]!;
    if (direction === 'down' && revision.irreversible && !force) {
      throw new MigrationError(`Migration ${revision.tag} is irreversible; downgrading past it needs force`);
    }
    for (const statement of direction === 'up' ? revision.up : revision.down) {
      try {
        await raw.exec(statement);
      } catch (error) {
        throw new StatementFailure(revision, direction, statement, error);
      }
    }
    if (direction === 'up') await recordApplied(raw, revision);
    else await recordReverted(raw, revision.revision);
    return { revision, direction, after: direction === 'up' ? current + 1 : current - 1 } as const;
  }

  /** Refuses a target behind the current revision for an upgrade, or ahead of it for a downgrade. */
  private checkDirection(options: MigrateOptions, current: number, target: number): void {
    const wrong =
      (options.direction === 'up' && target < current) || (options.direction === 'down' && target > current);
    if (!wrong) return;
    const at = (n: number) => (n === 0 ? 'base' : label(this.revisions[n - 1]!));
    const [verb, other] = options.direction === 'up' ? ['upgrade', 'downgrade'] : ['downgrade', 'upgrade'];
    throw new MigrationError(
      `Refusing to ${verb} to ${at(target)}: the database is at ${at(current)}, so that would ${other} it; nothing was changed (use \`orion-db ${other}\`)`,
    );
  }

  private plan(
    from: number,
    target: number,
    force: boolean,
    idAt: (n: number) => string | null,
  ): MigrateResult {
    const applied: MigrateResult['applied'] = [];
    const statements: string[] = [];
    for (let n = from; n !== target; n += n < target ? 1 : -1) {
      const up = n < target;
      const revision = this.revisions[up ? n : n - 1]!;
      if (!up && revision.irreversible && !force) {
        throw new MigrationError(
          `Migration ${revision.tag} is irreversible; downgrading past it needs force`,
        );
      }
      applied.push({ ...ref(revision), direction: up ? 'up' : 'down' });
      statements.push(
        `-- ${up ? 'upgrade' : 'downgrade'} ${revision.revision} (${revision.name})`,
        ...(up ? revision.up : revision.down),
      );
    }
    return { from: idAt(from), to: idAt(target), applied, sql: statements };
  }

  private failure(error: unknown, results: MigrationStepResult[]): MigrationError {
    if (error instanceof StatementFailure) {
      const reason = mapDriverError(error.cause).message.split('\n')[0] ?? '';
      const failed: MigrationStepResult = {
        ...ref(error.revision),
        direction: error.direction,
        status: 'failed',
        statement: error.statement,
        error: reason,
      };
      return new MigrationError(
        `Migration ${error.revision.tag} (${error.revision.revision}, ${error.direction}) failed and was rolled back: ${reason}. ` +
          `Failing statement: ${error.statement.slice(0, 500)}. ${results.length} earlier migration(s) of this run stay applied.`,
        [...results, failed],
        { cause: error.cause },
      );
    }
    if (error instanceof MigrationError)
      return new MigrationError(error.message, [...results, ...error.results], { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    return new MigrationError(`Migration failed: ${message}`, results, { cause: error });
  }
}

/**
 * The retryable DatabaseError (a SQLite file still locked, a lock or statement timeout) when a step
 * could not start or run for another writer, not for a migration statement of its own: a database
 * at head opened while another process holds a write transaction fails as a claim then would
 * (retry later), not as a failed migration. Steps applied before it stay applied; a retry resumes.
 */
function busy(error: unknown): DatabaseError | undefined {
  if (error instanceof MigrationError) return undefined;
  const mapped = mapDriverError(error);
  return mapped instanceof DatabaseError && mapped.retryable ? mapped : undefined;
}

/** Carries the failing statement out of the migration's transaction so the rollback happens first. */
class StatementFailure extends MigrationError {
  constructor(
    readonly revision: Revision,
    readonly direction: 'up' | 'down',
    readonly statement: string,
    override readonly cause: unknown,
  ) {
    super(`statement failed in ${revision.tag}`, [], { cause });
  }
}
