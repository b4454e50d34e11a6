import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';
import {
  PREFECT_ALIASES,
  SETTING_KEYS,
  type SettingKey,
  parseBoolean,
  parsePositiveNumber,
  validateSetting,
} from './keys.js';
import { readProfiles } from './profiles.js';
import { type DatabaseTarget, parseDatabaseUrl } from './url.js';

export type SettingSource = 'option' | 'env' | 'profile' | 'default';

/** Options that override every other source. */
export interface DatabaseConfig {
  url?: string;
  timeoutSeconds?: number;
  poolSize?: number;
  preparedStatements?: boolean;
  migrateOnOpen?: boolean;
  encryptionKey?: string;
  /** Overrides ORION_HOME (where profiles.toml and the default database live). */
  home?: string;
  /** Overrides ORION_PROFILE. */
  profile?: string;
  /** The environment to read; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Read only these options and the defaults: no environment variable and no profile file (what
   * `createTestDatabase` does, so a developer's shell cannot change or break a test's database).
   */
  isolated?: boolean;
}

/** The resolved settings, frozen, with where each value came from. */
export interface Settings {
  readonly home: string;
  readonly profile: string;
  readonly url: string;
  readonly target: DatabaseTarget;
  readonly timeoutSeconds: number;
  readonly poolSize: number;
  readonly preparedStatements: boolean;
  readonly migrateOnOpen: boolean;
  readonly encryptionKey: string | null;
  /** The raw value of every key, as resolved (secrets included: mask before printing). */
  readonly values: Readonly<Record<SettingKey, string | null>>;
  readonly sources: Readonly<Record<SettingKey, SettingSource>>;
}

const OPTION_KEYS: Record<SettingKey, keyof DatabaseConfig> = {
  ORION_DATABASE_URL: 'url',
  ORION_DATABASE_TIMEOUT: 'timeoutSeconds',
  ORION_DATABASE_POOL_SIZE: 'poolSize',
  ORION_DATABASE_PREPARED_STATEMENTS: 'preparedStatements',
  ORION_DATABASE_MIGRATE_ON_START: 'migrateOnOpen',
  ORION_DATABASE_ENCRYPTION_KEY: 'encryptionKey',
};

function envValue(env: Record<string, string | undefined>, key: string): string | undefined {
  const direct = env[key];
  if (direct !== undefined && direct !== '') return direct;
  const alias = PREFECT_ALIASES[key as SettingKey];
  const aliased = alias === undefined ? undefined : env[alias];
  return aliased !== undefined && aliased !== '' ? aliased : undefined;
}

function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : resolve(path);
}

/** Resolves ORION_HOME: option > ORION_HOME > PREFECT_HOME > ~/.orion. */
export function resolveHome(config: DatabaseConfig = {}): string {
  const env = config.isolated ? {} : (config.env ?? process.env);
  return expandHome(config.home ?? envValue(env, 'ORION_HOME') ?? join(homedir(), '.orion'));
}

/**
 * Resolves the settings: explicit options > environment (ORION_* names, then Prefect aliases) >
 * the active profile in `$ORION_HOME/profiles.toml` > defaults.
 *
 * ```ts
 * const settings = loadSettings();
 * settings.sources.ORION_DATABASE_URL; // 'default'
 * ```
 */
export function loadSettings(config: DatabaseConfig = {}): Settings {
  const env = config.isolated ? {} : (config.env ?? process.env);
  const home = resolveHome(config);
  const file = config.isolated ? { active: 'default', profiles: {} } : readProfiles(home);
  const profile = config.profile ?? envValue(env, 'ORION_PROFILE') ?? file.active;
  const profileValues = file.profiles[profile] ?? {};
  for (const key of Object.keys(profileValues)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      throw new ConfigurationError(
        `Profile "${profile}" in ${join(home, 'profiles.toml')} has unknown setting ${key}; known settings: ${SETTING_KEYS.join(', ')}`,
      );
    }
  }
  const defaults: Record<SettingKey, string | null> = {
    ORION_DATABASE_URL: `sqlite:///${join(home, 'orion.db')}`,
    ORION_DATABASE_TIMEOUT: '10',
    ORION_DATABASE_POOL_SIZE: '5',
    ORION_DATABASE_PREPARED_STATEMENTS: 'true',
    ORION_DATABASE_MIGRATE_ON_START: 'true',
    ORION_DATABASE_ENCRYPTION_KEY: null,
  };

  const values = {} as Record<SettingKey, string | null>;
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of SETTING_KEYS) {
    const option = config[OPTION_KEYS[key]];
    const fromEnv = envValue(env, key);
    const fromProfile = profileValues[key];
    let value: string | null;
    let source: SettingSource;
    if (option !== undefined && option !== null) [value, source] = [String(option), 'option'];
    else if (fromEnv !== undefined) [value, source] = [fromEnv, 'env'];
    else if (fromProfile !== undefined) [value, source] = [fromProfile, 'profile'];
    else [value, source] = [defaults[key], 'default'];
    if (value !== null) validateSetting(key, value, source);
    values[key] = value;
    sources[key] = source;
  }

  const origin = (key: SettingKey) => sources[key];
  const url = values.ORION_DATABASE_URL!;
  return Object.freeze({
    home,
    profile,
    url,
    target: parseDatabaseUrl(url, `ORION_DATABASE_URL (from ${origin('ORION_DATABASE_URL')})`),
    timeoutSeconds: parsePositiveNumber(
      'ORION_DATABASE_TIMEOUT',
      values.ORION_DATABASE_TIMEOUT!,
      origin('ORION_DATABASE_TIMEOUT'),
      false,
    ),
    poolSize: parsePositiveNumber(
      'ORION_DATABASE_POOL_SIZE',
      values.ORION_DATABASE_POOL_SIZE!,
      origin('ORION_DATABASE_POOL_SIZE'),
      true,
    ),
    preparedStatements: parseBoolean(
      'ORION_DATABASE_PREPARED_STATEMENTS',
      values.ORION_DATABASE_PREPARED_STATEMENTS!,
      origin('ORION_DATABASE_PREPARED_STATEMENTS'),
    ),
    migrateOnOpen: parseBoolean(
      'ORION_DATABASE_MIGRATE_ON_START',
      values.ORION_DATABASE_MIGRATE_ON_START!,
      origin('ORION_DATABASE_MIGRATE_ON_START'),
    ),
    encryptionKey: values.ORION_DATABASE_ENCRYPTION_KEY,
    values: Object.freeze(values),
    sources: Object.freeze(sources),
  });
}
