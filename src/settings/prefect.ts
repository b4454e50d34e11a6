/**
 * Prefect 3's names for our settings (semantics.md §4), as Prefect's own settings models spell
 * them: the current `PREFECT_SERVER_DATABASE_*` name first, then the legacy alias Prefect still
 * reads. They are read from the environment and from a Prefect `profiles.toml`; every other key
 * of a Prefect profile is Prefect's business and is ignored.
 */
import { readDecimal } from './decimal.js';
import { ConfigurationError } from '../errors.js';
import type { SettingKey } from './keys.js';

/** One Prefect name for a setting, and how its value becomes ours. */
export interface PrefectName {
  readonly name: string;
  /** Turns Prefect's value into our setting's raw value; throws ConfigurationError naming `origin`. */
  readonly convert?: (value: string, origin: string) => string;
}

/** Prefect's statement cache sizes: 0 turns prepared statements off (PgBouncer), any other size keeps them. */
function cacheSizeToPrepared(value: string, origin: string): string {
  const n = readDecimal(value, true);
  if (n === undefined) {
    throw new ConfigurationError(
      `${origin} must be a whole number ≥ 0, in decimal digits, got ${JSON.stringify(value)}`,
    );
  }
  return n === 0 ? 'false' : 'true';
}

const SQLALCHEMY_CONNECT_ARGS = 'PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS';

/** For each of our settings, the Prefect names that mean it, in precedence order. */
export const PREFECT_NAMES: Readonly<Partial<Record<SettingKey, readonly PrefectName[]>>> = {
  ORION_DATABASE_URL: [
    { name: 'PREFECT_SERVER_DATABASE_CONNECTION_URL' },
    { name: 'PREFECT_API_DATABASE_CONNECTION_URL' },
  ],
  ORION_DATABASE_TIMEOUT: [
    { name: 'PREFECT_SERVER_DATABASE_TIMEOUT' },
    { name: 'PREFECT_API_DATABASE_TIMEOUT' },
  ],
  // Prefect's pool-size setting lives in its SQLAlchemy group; the legacy name has no DATABASE in it.
  ORION_DATABASE_POOL_SIZE: [
    { name: 'PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE' },
    { name: 'PREFECT_SQLALCHEMY_POOL_SIZE' },
  ],
  ORION_DATABASE_MIGRATE_ON_START: [
    { name: 'PREFECT_SERVER_DATABASE_MIGRATE_ON_START' },
    { name: 'PREFECT_API_DATABASE_MIGRATE_ON_START' },
  ],
  ORION_DATABASE_PREPARED_STATEMENTS: [
    { name: `${SQLALCHEMY_CONNECT_ARGS}_PREPARED_STATEMENT_CACHE_SIZE`, convert: cacheSizeToPrepared },
    { name: `${SQLALCHEMY_CONNECT_ARGS}_STATEMENT_CACHE_SIZE`, convert: cacheSizeToPrepared },
  ],
};

/** Prefect's home folder (its `profiles.toml` is read for the names above, never written). */
export const PREFECT_HOME = 'PREFECT_HOME';
/**
 * Prefect's profiles file, when not `$PREFECT_HOME/profiles.toml` (Prefect's own setting of the same
 * name). Without ORION_HOME it names the file read, as Prefect's; the home stays what it was.
 */
export const PREFECT_PROFILES_PATH = 'PREFECT_PROFILES_PATH';
/** Picks the profile of a Prefect `profiles.toml` (our own file is picked by ORION_PROFILE only). */
export const PREFECT_PROFILE = 'PREFECT_PROFILE';
