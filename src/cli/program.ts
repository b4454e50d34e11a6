import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { OrionDbError } from '../errors.js';
import { loadSettings } from '../settings/load.js';
import { maskSecrets } from '../settings/mask.js';
import { registerConfigCommands } from './commands/config.js';
import { registerMigrationCommands } from './commands/migrations.js';
import { type GlobalOptions, type Io, processIo } from './context.js';

/** The package's version, read from the package.json beside dist/ (or src/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Commander's usage error as one line: "unknown command 'upgrad' (did you mean upgrade?)", and a
 * pointer to --help when there is no suggestion.
 */
export function usageLine(text: string): string {
  const line = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace('(Did you mean', '(did you mean');
  return line.includes('did you mean') ? line : `${line} (see --help)`;
}

/** Builds the orion-db program; `run` parses argv and returns the exit code. */
export function buildProgram(io: Io = processIo): Command {
  const program = new Command('orion-db')
    .description('Manage an @orion/db database: migrations and settings')
    .option('--url <url>', 'database URL for this command (overrides ORION_DATABASE_URL)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
      // Usage errors are one line too, in the same form as every other failure.
      outputError: (text, write) => write(`orion-db: ${usageLine(text)}\n`),
    })
    .version(packageVersion(), '-V, --version', 'print the version of @orion/db');
  const globals = () => program.opts<GlobalOptions>();
  // What the settings dropped (URL options only SQLAlchemy or asyncpg understand) is said once, on
  // stderr, before the command runs; the library itself never prints (semantics.md §4). Settings
  // that do not load are the command's to report (config set may be fixing them).
  program.hook('preAction', () => {
    let notes: readonly string[] = [];
    try {
      notes = loadSettings({ url: globals().url }).notes;
    } catch {}
    for (const note of notes) io.err(`orion-db: note: ${maskSecrets(note)}`);
  });
  registerMigrationCommands(program, io, globals);
  registerConfigCommands(program, io, globals);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI: one-line errors on stderr and a non-zero exit code on failure. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      return error.exitCode;
    }
    const message =
      error instanceof OrionDbError
        ? error.message
        : `Unexpected error: ${(error as Error)?.message ?? error}`;
    io.err(`orion-db: ${maskSecrets(message).split('\n')[0]}`);
    return 1;
  }
}
