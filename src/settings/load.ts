import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';
import {
  DEFAULT_TIMEOUT_SECONDS,
  SETTING_KEYS,
  type SettingKey,
  parseBoolean,
  parsePoolSize,
  parseTimeoutSeconds,
  validateSetting,
} from './keys.js';
import { PREFECT_HOME, PREFECT_NAMES, PREFECT_PROFILE, PREFECT_PROFILES_PATH } from './prefect.js';
import { type ProfilesFile, profileScalar, profilesPath, readProfiles } from './profiles.js';
import {
  type ProfileSource,
  type SettingOrigin,
  type SettingSource,
  describeForError,
  fromEnvironment,
  fromProfile,
} from './sources.js';
import { type DatabaseTarget, understandDatabaseUrl } from './url.js';
import { DATABASE_OPTION_NAMES, closestOption, refuseUnknownOptions } from './option-names.js';
import { OPTION_TYPES, refuseOptionType } from './option-types.js';

export type { SettingOrigin, SettingSource } from './sources.js';

/** Options that override every other source. */
export interface DatabaseConfig {
  url?: string;
  /**
   * Seconds, from 0.001 to 2,147,483 (24.8 days; else a ConfigurationError): SQLite's busy wait,
   * PostgreSQL's statement and connect timeouts, where `createDatabase` also refuses less than 1 s
   * (docs/settings.md). Default 10.
   */
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
  /**
   * The raw value of every key, as resolved (secrets included: mask before printing). A URL option
   * that turns prepared statements off makes ORION_DATABASE_PREPARED_STATEMENTS `false` here too.
   */
  readonly values: Readonly<Record<SettingKey, string | null>>;
  readonly sources: Readonly<Record<SettingKey, SettingSource>>;
  /**
   * Where each value came from, precisely: the variable or profile key it was read under (an ORION
   * or a Prefect name) and, for a profile, its name and file. `describeOrigin` puts it in words.
   */
  readonly origins: Readonly<Record<SettingKey, SettingOrigin>>;
  /**
   * True when the profiles.toml is Prefect's: the home was found through PREFECT_HOME, or the file
   * holds Prefect keys (`PREFECT_*`) wherever it is. It is read for Prefect's names, never written.
   */
  readonly prefectHome: boolean;
  /**
   * Sentences about what the settings dropped (URL options only SQLAlchemy or asyncpg understand).
   * The library never prints; the CLI prints these on stderr.
   */
  readonly notes: readonly string[];
}

const OPTION_KEYS: Record<SettingKey, keyof DatabaseConfig> = {
  ORION_DATABASE_URL: 'url',
  ORION_DATABASE_TIMEOUT: 'timeoutSeconds',
  ORION_DATABASE_POOL_SIZE: 'poolSize',
  ORION_DATABASE_PREPARED_STATEMENTS: 'preparedStatements',
  ORION_DATABASE_MIGRATE_ON_START: 'migrateOnOpen',
  ORION_DATABASE_ENCRYPTION_KEY: 'encryptionKey',
};

function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : resolve(path);
}

function envOf(config: DatabaseConfig): Record<string, string | undefined> {
  return config.isolated ? {} : (config.env ?? process.env);
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The home folder, its profiles file, and whether that file is Prefect's. */
export interface Home {
  readonly path: string;
  /** The profiles file read: `profiles.toml` in the home, or Prefect's PREFECT_PROFILES_PATH. */
  readonly profiles: string;
  /**
   * Found through PREFECT_HOME or PREFECT_PROFILES_PATH: Prefect's profiles file, which we read but
   * never write.
   */
  readonly prefect: boolean;
  /** The variable that made the file Prefect's, for messages. */
  readonly prefectVariable?: string;
}

/**
 * Resolves the home: option `home` > ORION_HOME > PREFECT_HOME (a Prefect home) > ~/.orion; and the
 * profiles file: our home's, unless neither the option nor ORION_HOME is set and Prefect's
 * PREFECT_PROFILES_PATH names Prefect's file elsewhere (Prefect reads it instead of
 * `$PREFECT_HOME/profiles.toml`; the home, where the default database lives, does not move).
 */
export function resolveHomeOf(config: DatabaseConfig = {}): Home {
  const env = envOf(config);
  const orion = config.home ?? present(env.ORION_HOME);
  if (orion !== undefined) {
    const path = expandHome(orion);
    return { path, profiles: profilesPath(path), prefect: false };
  }
  const prefectHome = present(env[PREFECT_HOME]);
  const path = prefectHome !== undefined ? expandHome(prefectHome) : join(homedir(), '.orion');
  const prefectFile = present(env[PREFECT_PROFILES_PATH]);
  if (prefectFile !== undefined)
    return { path, profiles: expandHome(prefectFile), prefect: true, prefectVariable: PREFECT_PROFILES_PATH };
  if (prefectHome !== undefined)
    return { path, profiles: profilesPath(path), prefect: true, prefectVariable: PREFECT_HOME };
  return { path, profiles: profilesPath(path), prefect: false };
}

/** Resolves ORION_HOME: option > ORION_HOME > PREFECT_HOME > ~/.orion. */
export function resolveHome(config: DatabaseConfig = {}): string {
  return resolveHomeOf(config).path;
}

/** The profile asked for by name: option `profile` > ORION_PROFILE > PREFECT_PROFILE (Prefect files only). */
function askedProfile(config: DatabaseConfig, prefect: boolean): string | undefined {
  const env = envOf(config);
  // PREFECT_PROFILE picks only in a Prefect file: a Prefect shell must not empty our own file's profile.
  return (
    config.profile ?? present(env.ORION_PROFILE) ?? (prefect ? present(env[PREFECT_PROFILE]) : undefined)
  );
}

/**
 * The profile to read: option `profile` > ORION_PROFILE > PREFECT_PROFILE (for a Prefect file only)
 * > the file's `active` > "default". `prefect` says whether the file is Prefect's.
 */
export function resolveProfileName(config: DatabaseConfig, prefect: boolean, active: string | null): string {
  return askedProfile(config, prefect) ?? active ?? 'default';
}

const NO_FILE: ProfilesFile = { exists: false, active: null, profiles: {}, prefect: false };

/** The Prefect names we read from a Prefect file: every other key of it is Prefect's business. */
const READ_PREFECT_NAMES = new Set(Object.values(PREFECT_NAMES).flatMap((names) => names.map((n) => n.name)));

/**
 * The active profile's values as raw strings. A profile named (asked for, or the file's `active`)
 * that the file lacks is a ConfigurationError listing the profiles there; so is an unknown key in
 * our own file, and a table or array under a key we read.
 */
function profileValues(
  config: DatabaseConfig,
  file: ProfilesFile,
  prefect: boolean,
  profile: string,
  path: string,
): Record<string, string> {
  const table = file.profiles[profile];
  if (table === undefined) {
    const named = askedProfile(config, prefect) !== undefined || file.active !== null;
    if (file.exists && named) {
      const there = Object.keys(file.profiles);
      throw new ConfigurationError(
        `There is no profile "${profile}" in ${path}; its profiles: ${there.length ? there.join(', ') : '(none)'}`,
      );
    }
    return {};
  }
  const where = `profile "${profile}" in ${path}`;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(table)) {
    if (prefect) {
      if (READ_PREFECT_NAMES.has(key)) values[key] = profileScalar(key, value, where, isTextSetting(key));
    } else if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      const meant = closestOption(key, SETTING_KEYS);
      throw new ConfigurationError(
        `Profile "${profile}" in ${path} has unknown setting ${key}${meant ? `; did you mean ${meant}?` : ''}; known settings: ${SETTING_KEYS.join(', ')}`,
      );
    } else values[key] = profileScalar(key, value, where, isTextSetting(key));
  }
  return values;
}

/** True for a setting (ours or a Prefect name for it) whose option takes a string: the URL, the key. */
function isTextSetting(key: string): boolean {
  const ours = (SETTING_KEYS as readonly string[]).includes(key)
    ? (key as SettingKey)
    : (Object.entries(PREFECT_NAMES).find(([, names]) => names!.some((n) => n.name === key))?.[0] as
        | SettingKey
        | undefined);
  return ours !== undefined && OPTION_TYPES[OPTION_KEYS[ours]] === 'string';
}

/**
 * Resolves the settings: explicit options > environment (ORION_* names, then Prefect 3's
 * `PREFECT_SERVER_DATABASE_*` names, then their legacy aliases) > the active profile in the home's
 * `profiles.toml` (our keys; in a Prefect home, Prefect's names, every other key ignored) > defaults.
 * Throws ConfigurationError naming the setting and where it came from, and for a key that
 * `createDatabase` does not take (the same list: its options are accepted, so the options of an
 * open can be passed here), naming the key and the option meant when one is close.
 *
 * ```ts
 * const settings = loadSettings();
 * settings.sources.ORION_DATABASE_URL; // 'default'
 * settings.notes; // [] (or what was dropped from the URL)
 * ```
 */
export function loadSettings(config: DatabaseConfig = {}): Settings {
  // The keys createDatabase takes, no more: `migrateOnStart` was accepted here and ignored, then
  // refused by createDatabase (a fresh-user trial). One list for both (option-names.ts).
  refuseUnknownOptions(config, DATABASE_OPTION_NAMES, 'loadSettings');
  const env = envOf(config);
  const home = resolveHomeOf(config);
  const file = config.isolated ? NO_FILE : readProfiles(home.profiles);
  const prefect = home.prefect || file.prefect;
  const profile = resolveProfileName(config, prefect, file.active);
  const path = home.profiles;
  const fromFile = profileValues(config, file, prefect, profile, path);
  const source: ProfileSource = { name: profile, file: path, prefect, values: fromFile };
  const defaults: Record<SettingKey, string | null> = {
    ORION_DATABASE_URL: `sqlite:///${join(home.path, 'orion.db')}`,
    ORION_DATABASE_TIMEOUT: String(DEFAULT_TIMEOUT_SECONDS),
    ORION_DATABASE_POOL_SIZE: '5',
    ORION_DATABASE_PREPARED_STATEMENTS: 'true',
    ORION_DATABASE_MIGRATE_ON_START: 'true',
    ORION_DATABASE_ENCRYPTION_KEY: null,
  };

  const values = {} as Record<SettingKey, string | null>;
  const sources = {} as Record<SettingKey, SettingSource>;
  const origins = {} as Record<SettingKey, SettingOrigin>;
  /** Settings given as a JavaScript number option: no text to read (`parsePositiveNumber`). */
  const typed = new Set<SettingKey>();
  for (const key of SETTING_KEYS) {
    const option = config[OPTION_KEYS[key]];
    if (option !== undefined && option !== null) refuseOptionType(OPTION_KEYS[key], option);
    const raw =
      option !== undefined && option !== null
        ? { value: String(option), origin: { source: 'option', name: null } as const }
        : (fromEnvironment(key, env) ??
          fromProfile(key, source) ?? {
            value: defaults[key],
            origin: { source: 'default', name: null } as const,
          });
    if (typeof option === 'number') typed.add(key);
    if (raw.value !== null)
      validateSetting(key, raw.value, describeForError(key, raw.origin), typed.has(key));
    // A number or a switch is kept as read (` 5` from a file is 5, and `values` shows "5").
    values[key] = raw.value === null || isTextSetting(key) ? raw.value : raw.value.trim();
    sources[key] = raw.origin.source;
    origins[key] = raw.origin;
  }

  const origin = (key: SettingKey) => describeForError(key, origins[key]);
  const url = values.ORION_DATABASE_URL!;
  const understood = understandDatabaseUrl(url, origin('ORION_DATABASE_URL'));
  let preparedStatements = parseBoolean(
    values.ORION_DATABASE_PREPARED_STATEMENTS!,
    origin('ORION_DATABASE_PREPARED_STATEMENTS'),
  );
  // A URL that turns prepared statements off wins (the pooler it was written for needs them off):
  // the value shown, and its origin, are then the URL option's.
  if (preparedStatements && understood.preparedStatements === false) {
    preparedStatements = false;
    values.ORION_DATABASE_PREPARED_STATEMENTS = 'false';
    origins.ORION_DATABASE_PREPARED_STATEMENTS = {
      ...origins.ORION_DATABASE_URL,
      urlOption: understood.preparedStatementsOption,
    };
    sources.ORION_DATABASE_PREPARED_STATEMENTS = origins.ORION_DATABASE_URL.source;
  }
  return Object.freeze({
    home: home.path,
    profile,
    url,
    target: understood.target,
    timeoutSeconds: parseTimeoutSeconds(
      values.ORION_DATABASE_TIMEOUT!,
      origin('ORION_DATABASE_TIMEOUT'),
      typed.has('ORION_DATABASE_TIMEOUT'),
    ),
    poolSize: parsePoolSize(
      values.ORION_DATABASE_POOL_SIZE!,
      origin('ORION_DATABASE_POOL_SIZE'),
      typed.has('ORION_DATABASE_POOL_SIZE'),
    ),
    preparedStatements,
    migrateOnOpen: parseBoolean(
      values.ORION_DATABASE_MIGRATE_ON_START!,
      origin('ORION_DATABASE_MIGRATE_ON_START'),
    ),
    encryptionKey: values.ORION_DATABASE_ENCRYPTION_KEY,
    values: Object.freeze(values),
    sources: Object.freeze(sources),
    origins: Object.freeze(origins),
    prefectHome: prefect,
    notes: Object.freeze([...understood.notes]),
  });
}
