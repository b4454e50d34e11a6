import type { Command } from 'commander';
import { mayCreateFor } from '../../database.js';
import type { MigrateResult, RevisionRef } from '../../migrations/migrator.js';
import { loadSettings } from '../../settings/load.js';
import { describeTarget } from '../../settings/url.js';
import { type GlobalOptions, type Io, confirm, withDatabase } from '../context.js';

const label = (r: RevisionRef | null) => (r ? `${r.revision} (${r.name})` : 'base');

function report(io: Io, result: MigrateResult): void {
  if (result.sql) {
    for (const statement of result.sql) {
      if (statement.startsWith('--')) io.out(`\n${statement}`);
      else io.out(statement.endsWith(';') ? statement : `${statement};`);
    }
    return;
  }
  for (const step of result.applied)
    io.out(`${step.direction === 'up' ? 'upgraded' : 'downgraded'} ${label(step)}`);
  io.out(
    result.applied.length === 0
      ? `Nothing to do: already at ${result.to ?? 'base'}`
      : `Now at ${result.to ?? 'base'}`,
  );
}

/** upgrade, downgrade, reset, status, history. */
export function registerMigrationCommands(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('upgrade')
    .description('apply migrations up to a revision (default head)')
    .option('-r, --revision <rev>', 'target: head, +N, a revision id, a name or an id prefix', 'head')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'print the SQL that would run and change nothing')
    .action(async (options: { revision: string; yes?: boolean; dryRun?: boolean }) => {
      if (options.dryRun) {
        return withDatabase(globals(), async (db) =>
          report(io, await db.migrate({ to: options.revision, dryRun: true })),
        );
      }
      // Ask (and check the target) before opening: upgrade is the command that creates a missing
      // SQLite file (semantics.md §3), and a refused or mistyped upgrade must not leave one behind.
      const create = mayCreateFor({ url: globals().url }, options.revision);
      await confirm(
        io,
        { settings: loadSettings({ url: globals().url }) },
        `upgrade to ${options.revision}`,
        options.yes,
      );
      await withDatabase(
        globals(),
        async (db) => report(io, await db.migrate({ to: options.revision })),
        create,
      );
    });

  program
    .command('downgrade')
    .description('revert migrations down to a revision (default -1; base removes everything)')
    .option('-r, --revision <rev>', 'target: -N, base, a revision id, a name or an id prefix', '-1')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'print the SQL that would run and change nothing')
    .action(async (options: { revision: string; yes?: boolean; dryRun?: boolean }) => {
      if (!options.dryRun) {
        await confirm(
          io,
          { settings: loadSettings({ url: globals().url }) },
          `downgrade to ${options.revision}`,
          options.yes,
        );
      }
      await withDatabase(globals(), async (db) =>
        report(io, await db.migrate({ to: options.revision, dryRun: options.dryRun })),
      );
    });

  program
    .command('reset')
    .description('remove all data and every object the migrations created, then apply the schema again')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (options: { yes?: boolean }) => {
      await confirm(
        io,
        { settings: loadSettings({ url: globals().url }) },
        'reset (all data will be lost)',
        options.yes,
      );
      await withDatabase(
        globals(),
        async (db) => {
          await db.reset();
          io.out(`Reset ${describeTarget(db.settings.target)}: schema at head, no data`);
        },
        true,
      );
    });

  program
    .command('status')
    .description('show the current and head revisions and what is pending')
    .action(async () => {
      await withDatabase(globals(), async (db) => {
        const status = await db.migrations.status();
        io.out(`database: ${describeTarget(db.settings.target)}`);
        io.out(`current:  ${label(status.current)}`);
        io.out(`head:     ${label(status.head)}`);
        io.out(`pending:  ${status.pending.length === 0 ? 'none' : status.pending.map(label).join(', ')}`);
      });
    });

  program
    .command('history')
    .description('list every known revision, applied or not')
    .action(async () => {
      await withDatabase(globals(), async (db) => {
        for (const entry of await db.migrations.history()) {
          const when = entry.appliedAt ? `applied ${entry.appliedAt.toISOString()}` : 'pending';
          io.out(`${entry.applied ? '[x]' : '[ ]'} ${entry.revision}  ${entry.name.padEnd(24)} ${when}`);
        }
      });
    });
}
