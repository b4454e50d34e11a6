import { createInterface } from 'node:readline/promises';
import { type Database, openDatabase } from '../database.js';
import { OrionDbError } from '../errors.js';
import type { Settings } from '../settings/load.js';
import { describeTarget } from '../settings/url.js';

/** Options every command accepts. */
export interface GlobalOptions {
  url?: string;
}

/** Where a command writes; tests and the real CLI both go through it. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** True when a person can answer a prompt. */
  interactive: boolean;
  ask(question: string): Promise<string>;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  async ask(question) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
};

/** A failure the CLI reports as one line and a non-zero exit. */
export class CliError extends OrionDbError {
  override readonly code = 'CLI';
}

/**
 * Opens the database as it is: no migration and no verification on open. Only a command that will
 * migrate passes `create` (upgrade, reset); every other command creates nothing and reports a
 * missing SQLite file as such (semantics.md §3).
 */
export async function openForCli(options: GlobalOptions, create = false): Promise<Database> {
  return openDatabase({ url: options.url, migrateOnOpen: false, verifyOnOpen: false }, create);
}

/**
 * Asks before a destructive command unless -y; refuses without a terminal. Takes an open database
 * or just the settings, so a command can ask before it opens (and so before it creates anything).
 */
export async function confirm(
  io: Io,
  db: { readonly settings: Pick<Settings, 'target'> },
  /** The action with `{where}` for the database: "downgrade {where} to base". */
  action: string,
  yes: boolean | undefined,
  /** What the action would do, in words ("reverts 2 revisions … and drops 3 tables …"). */
  consequence?: string,
): Promise<void> {
  if (yes) return;
  const where = describeTarget(db.settings.target);
  const what = consequence ? ` (it ${consequence})` : '';
  const phrase = action.replace('{where}', where);
  if (!io.interactive) {
    throw new CliError(
      `Nothing was changed: there is no terminal to confirm that you want to ${phrase}${what}. Run it again with -y to proceed.`,
    );
  }
  const question = `${phrase[0]!.toUpperCase()}${phrase.slice(1)}?${consequence ? ` It ${consequence}.` : ''} [y/N] `;
  const answer = (await io.ask(question)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new CliError('Aborted: nothing was changed');
}

/** Runs `fn` with an open database and always closes it; `create` as for `openForCli`. */
export async function withDatabase<T>(
  options: GlobalOptions,
  fn: (db: Database) => Promise<T>,
  create = false,
): Promise<T> {
  const db = await openForCli(options, create);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
