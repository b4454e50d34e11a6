import { ConfigurationError } from '../errors.js';

/** The JavaScript type each setting's option takes besides a string (the form every other source has). */
export const OPTION_TYPES: Record<string, 'string' | 'number' | 'boolean'> = {
  url: 'string',
  timeoutSeconds: 'number',
  poolSize: 'number',
  preparedStatements: 'boolean',
  migrateOnOpen: 'boolean',
  encryptionKey: 'string',
};

/**
 * A setting given as an option must be its own type or a string, as the environment and profiles
 * give it: `url: 42` opened a SQLite file named `42` (a fresh-user trial), and `poolSize: true`
 * would read as the text "true".
 * @throws ConfigurationError naming the option, the type it takes and the type it got
 */
export function refuseOptionType(name: string, value: unknown): void {
  const wanted = OPTION_TYPES[name];
  if (wanted === undefined || typeof value === wanted || typeof value === 'string') return;
  const got = Array.isArray(value)
    ? 'an array'
    : typeof value === 'object'
      ? 'an object'
      : `a ${typeof value}`;
  throw new ConfigurationError(
    `the option ${name} takes a ${wanted}${wanted === 'string' ? '' : ' (or a string)'}, got ${got}`,
  );
}
