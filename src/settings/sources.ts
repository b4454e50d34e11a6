/**
 * Where each raw setting value comes from (semantics.md §4): an explicit option, then the
 * environment (`ORION_*`, then Prefect's current names, then its legacy ones), then the active
 * profile (our keys in our own file; Prefect's names in a Prefect file), then the default.
 */
import type { SettingKey } from './keys.js';
import { PREFECT_NAMES } from './prefect.js';

export type SettingSource = 'option' | 'env' | 'profile' | 'default';

/** Where one resolved value came from, precisely. */
export interface SettingOrigin {
  readonly source: SettingSource;
  /** The variable or profile key the value was read under (an ORION or a Prefect name); null for options and defaults. */
  readonly name: string | null;
  /** For a profile: the profile's name. */
  readonly profile?: string;
  /** For a profile: the profiles.toml it is in. */
  readonly file?: string;
  /**
   * Set when an option of the database URL decided the value (`prepared_statement_cache_size=0`);
   * the rest of the origin is then the URL's.
   */
  readonly urlOption?: string;
}

/**
 * The origin in words, as `config view --show-sources` prints it: `option`, `default`,
 * `env PREFECT_API_DATABASE_CONNECTION_URL`, `profile local in /home/me/.prefect/profiles.toml`,
 * `the URL option prepared_statement_cache_size=0 (URL from option)`.
 */
export function describeOrigin(origin: SettingOrigin): string {
  if (origin.urlOption !== undefined) {
    return `the URL option ${origin.urlOption} (URL from ${describeOrigin({ ...origin, urlOption: undefined })})`;
  }
  switch (origin.source) {
    case 'env':
      return `env ${origin.name}`;
    case 'profile':
      return `profile ${origin.profile} in ${origin.file}`;
    default:
      return origin.source;
  }
}

/** A setting and its origin for error messages: `PREFECT_API_DATABASE_TIMEOUT (from env)`. */
export function describeForError(key: SettingKey, origin: SettingOrigin): string {
  if (origin.source === 'profile')
    return `${origin.name} (from profile "${origin.profile}" in ${origin.file})`;
  return `${origin.name ?? key} (from ${origin.source})`;
}

type Env = Record<string, string | undefined>;

/** The profile a value may come from. */
export interface ProfileSource {
  readonly name: string;
  readonly file: string;
  /** True for a Prefect profiles.toml: only Prefect's names are read from it. */
  readonly prefect: boolean;
  readonly values: Readonly<Record<string, string>>;
}

/** A raw value and where it came from. */
export interface RawSetting {
  readonly value: string;
  readonly origin: SettingOrigin;
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** The first of `names` set (non-empty) in `values`, converted to our raw form. */
function firstOf(
  key: SettingKey,
  values: Readonly<Record<string, string | undefined>>,
  names: readonly { name: string; convert?: (value: string, origin: string) => string }[],
  origin: (name: string) => SettingOrigin,
): RawSetting | undefined {
  for (const { name, convert } of names) {
    const value = values[name];
    if (!present(value)) continue;
    const from = origin(name);
    return { value: convert ? convert(value, describeForError(key, from)) : value, origin: from };
  }
  return undefined;
}

/** The environment's value for `key`: the ORION name, then Prefect's names. An empty variable counts as unset. */
export function fromEnvironment(key: SettingKey, env: Env): RawSetting | undefined {
  const names = [{ name: key }, ...(PREFECT_NAMES[key] ?? [])];
  return firstOf(key, env, names, (name) => ({ source: 'env', name }));
}

/** The profile's value for `key`: our key in our file, Prefect's names in a Prefect file. */
export function fromProfile(key: SettingKey, profile: ProfileSource | null): RawSetting | undefined {
  if (profile === null) return undefined;
  const names = profile.prefect ? (PREFECT_NAMES[key] ?? []) : [{ name: key }];
  return firstOf(key, profile.values, names, (name) => ({
    source: 'profile',
    name,
    profile: profile.name,
    file: profile.file,
  }));
}
