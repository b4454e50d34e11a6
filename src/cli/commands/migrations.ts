import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { mayCreateFor } from '../../database.js';
import type { MigrateResult, RevisionRef } from '../../public/migrations.js';
import { loadSettings } from '../../settings/load.js';
import { describeTarget } from '../../settings/url.js';
import { type GlobalOptions, type Io, confirm, withDatabase } from '../context.js';
import { describeDrops } from './drops.js';

const label = (r: RevisionRef | null) => (r ? `${r.revision} (${r.name})` : 'base');

/** True when the settings name a SQLite file that does not exist (yet). */
function missingFile(options: GlobalOptions): boolean {
  const target = loadSettings({ url: options.url }).target;
  return target.kind === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path);
}

function report(io: Io, result: MigrateResult): void {
  if (result.sql && result.applied.length > 0) {
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
          report(io, await db.migrate({ to: options.revision, dryRun: true, direction: 'up' })),
        );
      }
      if (!missingFile(globals())) {
        // An existing database: check the direction before asking (an upgrade never downgrades).
        return withDatabase(globals(), async (db) => {
          await db.migrate({ to: options.revision, dryRun: true, direction: 'up' });
          await confirm(io, db, `upgrade {where} to ${options.revision}`, options.yes);
          report(io, await db.migrate({ to: options.revision, direction: 'up' }));
        });
      }
      // Ask (and check the target) before opening: upgrade is the command that creates a missing
      // SQLite file (semantics.md §3), and a refused or mistyped upgrade must not leave one behind.
      const create = mayCreateFor({ url: globals().url }, options.revision);
      await confirm(
        io,
        { settings: loadSettings({ url: globals().url }) },
        `create {where} and upgrade it to ${options.revision}`,
        options.yes,
      );
      await withDatabase(
        globals(),
        async (db) => report(io, await db.migrate({ to: options.revision, direction: 'up' })),
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
      await withDatabase(globals(), async (db) => {
        // The plan first: a wrong direction or target is refused before anything is asked.
        const plan = await db.migrate({ to: options.revision, dryRun: true, direction: 'down' });
        if (options.dryRun || plan.applied.length === 0) return report(io, plan);
        await confirm(
          io,
          db,
          `downgrade {where} to ${options.revision}`,
          options.yes,
          await describeDrops(db, plan.to),
        );
        report(io, await db.migrate({ to: options.revision, direction: 'down' }));
      });
    });

  program
    .command('reset')
    .description('remove all data and every object the migrations created, then apply the schema again')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (options: { yes?: boolean }) => {
      if (missingFile(globals())) {
        await confirm(io, { settings: loadSettings({ url: globals().url }) }, 'reset {where}', options.yes);
      } else {
        await withDatabase(globals(), async (db) =>
          confirm(io, db, 'reset {where}', options.yes, await describeDrops(db, null, 'reset')),
        );
      }
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
