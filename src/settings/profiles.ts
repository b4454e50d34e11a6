import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { ConfigurationError } from '../errors.js';

/** The parsed `$ORION_HOME/profiles.toml`: the active profile's name and every profile's keys. */
export interface ProfilesFile {
  active: string;
  profiles: Record<string, Record<string, string>>;
}

export function profilesPath(home: string): string {
  return join(home, 'profiles.toml');
}

/** Reads profiles.toml; a missing file is an empty "default" profile. */
export function readProfiles(home: string): ProfilesFile {
  const path = profilesPath(home);
  if (!existsSync(path)) return { active: 'default', profiles: {} };
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigurationError(`${path} is not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
  const active = typeof doc.active === 'string' ? doc.active : 'default';
  const profiles: ProfilesFile['profiles'] = {};
  const raw = doc.profiles;
  if (raw !== undefined && (typeof raw !== 'object' || raw === null)) {
    throw new ConfigurationError(`${path}: "profiles" must be a table of [profiles.<name>] tables`);
  }
  for (const [name, table] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (typeof table !== 'object' || table === null) continue;
    profiles[name] = Object.fromEntries(Object.entries(table).map(([k, v]) => [k, String(v)]));
  }
  return { active, profiles };
}

/** Writes profiles.toml atomically (temp file + rename), creating ORION_HOME when missing. */
export function writeProfiles(home: string, file: ProfilesFile): void {
  const path = profilesPath(home);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify({ active: file.active, profiles: file.profiles }), { mode: 0o600 });
  renameSync(tmp, path);
}
