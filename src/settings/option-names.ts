/**
 * The option names createDatabase and migrate take. A misspelt option would otherwise be ignored
 * silently (`migrateOnStart: false` migrated anyway), so an unknown one is a ConfigurationError,
 * as a bad setting value is.
 */
import { ConfigurationError } from '../errors.js';
import type { DatabaseOptions } from '../public/database.js';

/** Every key of DatabaseOptions (settings first, then the opening options). */
export const DATABASE_OPTION_NAMES = [
  'url',
  'timeoutSeconds',
  'poolSize',
  'preparedStatements',
  'migrateOnOpen',
  'encryptionKey',
  'home',
  'profile',
  'env',
  'isolated',
  'client',
  'migrationsDir',
  'verifyOnOpen',
] as const satisfies readonly (keyof DatabaseOptions)[];

// A DatabaseOptions key missing from the list above would be refused as unknown: fail to compile.
type Unlisted = Exclude<keyof DatabaseOptions, (typeof DATABASE_OPTION_NAMES)[number]>;
const _everyOptionListed: [Unlisted] extends [never] ? true : Unlisted = true;
void _everyOptionListed;

/** The options `migrate()` takes besides DatabaseOptions. */
export const MIGRATE_OPTION_NAMES = ['to', 'dryRun', 'force', 'direction'] as const;

/** Names users reach for that are not a misspelling: the environment variable's wording. */
const ALIASES: Record<string, string> = {
  migrateOnStart: 'migrateOnOpen',
  databaseUrl: 'url',
  timeout: 'timeoutSeconds',
};

/** Edit distance (insert, delete, replace), case-insensitive, for "did you mean". */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    row = next;
  }
  return row[y.length]!;
}

/** The known name `key` most likely meant, if one is close (an alias, or at most a third of it edited). */
export function closestOption(key: string, known: readonly string[]): string | undefined {
  const alias = ALIASES[key];
  if (alias && known.includes(alias)) return alias;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const name of known) {
    const d = distance(key, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/**
 * Throws ConfigurationError for the first own key of `options` that is not in `known`, naming it
 * and, when one is close, the option meant.
 * @example refuseUnknownOptions({ migrateOnStart: false }, DATABASE_OPTION_NAMES, 'createDatabase')
 */
export function refuseUnknownOptions(options: unknown, known: readonly string[], call: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigurationError(
      `${call}() takes an options object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const meant = closestOption(key, known);
    throw new ConfigurationError(
      `${call}() has no option ${JSON.stringify(key)}${meant ? `; did you mean ${JSON.stringify(meant)}?` : ''} (options: ${known.join(', ')})`,
    );
  }
}
