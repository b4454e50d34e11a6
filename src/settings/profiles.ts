import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { FolderError, createFolders } from '../folders.js';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { ConfigurationError } from '../errors.js';

/**
 * The parsed `profiles.toml`: the active profile's name and every profile's keys, their values as
 * TOML typed them (a Prefect file has numbers, booleans and tables; only the keys read are checked).
 */
export interface ProfilesFile {
  /** False when there is no file. */
  exists: boolean;
  /** The `active` key; null when the file has none. */
  active: string | null;
  profiles: Record<string, Record<string, unknown>>;
  /**
   * True when some profile holds a Prefect key (`PREFECT_*`): the file is Prefect's, wherever it is
   * found (semantics.md §4); it is read for Prefect's names only and never written.
   */
  prefect: boolean;
}

export function profilesPath(home: string): string {
  return join(home, 'profiles.toml');
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Reads a profiles file (`path`: the file itself, usually `profilesPath(home)`); a missing file has
 * no profile. Throws ConfigurationError naming the file when it is not TOML, `active` is not a
 * string or `profiles` is not a table of tables.
 */
export function readProfiles(path: string): ProfilesFile {
  if (!existsSync(path)) return { exists: false, active: null, profiles: {}, prefect: false };
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigurationError(`${path} is not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (doc.active !== undefined && typeof doc.active !== 'string') {
    throw new ConfigurationError(
      `${path}: "active" must be the name of a profile (a string), got ${JSON.stringify(doc.active)}`,
    );
  }
  const raw = doc.profiles ?? {};
  if (!isTable(raw)) {
    throw new ConfigurationError(`${path}: "profiles" must be a table of [profiles.<name>] tables`);
  }
  const profiles: ProfilesFile['profiles'] = {};
  for (const [name, table] of Object.entries(raw)) {
    // Not a [profiles.<name>] table: not a profile (asking for it says which profiles there are).
    if (isTable(table)) profiles[name] = table;
  }
  const prefect = Object.values(profiles).some((table) =>
    Object.keys(table).some((k) => k.startsWith('PREFECT_')),
  );
  return { exists: true, active: (doc.active as string | undefined) ?? null, profiles, prefect };
}

/**
 * A profile value as our raw string form: TOML strings, numbers and booleans are scalars (Prefect
 * writes `30` and `false` unquoted); a table, an array or a date is a ConfigurationError naming the
 * key and `where` (the profile and file) — never turned into a string — and so is anything but a
 * string for a setting that is text (`text`: the URL, the key), as for options (`url: 42`): a trial's
 * `ORION_DATABASE_URL = 2024-01-01` opened a SQLite file named after the date's `toString()`.
 */
export function profileScalar(key: string, value: unknown, where: string, text = false): string {
  const kind = Array.isArray(value)
    ? 'an array'
    : value instanceof Date
      ? 'a date'
      : isTable(value)
        ? 'a table'
        : undefined;
  if (kind !== undefined) {
    throw new ConfigurationError(
      `${key} in ${where} must be a single value (a string, number or boolean), not a TOML ${kind.slice(kind.indexOf(' ') + 1)}`,
    );
  }
  if (text && typeof value !== 'string') {
    throw new ConfigurationError(
      `${key} in ${where} must be a string, in quotes; got the TOML ${typeof value} ${String(value)}`,
    );
  }
  return String(value);
}

/**
 * Writes profiles.toml atomically (temp file + rename, mode 0600), creating the home when missing;
 * `active` is written only when not null.
 */
export function writeProfiles(home: string, file: Pick<ProfilesFile, 'active' | 'profiles'>): void {
  const path = profilesPath(home);
  try {
    // Owner-only, as the folders of a database the library creates (database.md).
    createFolders(dirname(path), 0o700);
  } catch (error) {
    if (!(error instanceof FolderError)) throw error;
    throw new ConfigurationError(`Cannot create the folder of ${path}: ${error.message}`);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  // `active` only as the file had it: a file written by `ORION_PROFILE=ci orion-db config set`
  // on a fresh home said `active = "default"` with no such profile, and every later open without
  // ORION_PROFILE was refused (a fresh user's trial). Without the key the implicit default applies.
  const doc =
    file.active === null ? { profiles: file.profiles } : { active: file.active, profiles: file.profiles };
  writeFileSync(tmp, stringify(doc), { mode: 0o600 });
  renameSync(tmp, path);
}
