import type { Command } from 'commander';
import {
  SECRET_KEYS,
  SETTING_KEYS,
  isSettingKey,
  unknownKeyError,
  validateSetting,
} from '../../settings/keys.js';
import { loadSettings, resolveHomeOf, resolveProfileName } from '../../settings/load.js';
import { maskSecrets } from '../../settings/mask.js';
import { type ProfilesFile, profilesPath, readProfiles, writeProfiles } from '../../settings/profiles.js';
import { describeOrigin, fromEnvironment } from '../../settings/sources.js';
import { PREFECT_PROFILES_PATH } from '../../settings/prefect.js';
import { generateEncryptionKey } from '../../repositories/blocks/encryption.js';
import { CliError, type GlobalOptions, type Io } from '../context.js';

/**
 * The profiles file `config set`/`unset` write, and its active profile. A Prefect file is refused
 * (semantics.md §4), whether found through PREFECT_HOME, PREFECT_PROFILES_PATH, or under ORION_HOME
 * with Prefect keys in it: rewriting it would drop its comments and turn its values into strings,
 * and it is Prefect's.
 */
function writableProfiles(): { home: string; file: ProfilesFile; profile: string } {
  const home = resolveHomeOf();
  const file = readProfiles(home.profiles);
  if (home.prefect || file.prefect) {
    const why = home.prefect
      ? home.prefectVariable === PREFECT_PROFILES_PATH
        ? `the settings come from Prefect's profiles file ${home.profiles} (PREFECT_PROFILES_PATH)`
        : `the settings come from Prefect's home ${home.path} (PREFECT_HOME)`
      : `${home.profiles} holds Prefect settings (PREFECT_*): it is Prefect's file`;
    throw new CliError(
      `Nothing was written: ${why}, and orion-db never writes Prefect's profiles.toml. Set ORION_HOME to a folder of orion-db's own (for example ORION_HOME=~/.orion) and run the command again.`,
    );
  }
  return { home: home.path, file, profile: resolveProfileName({}, false, file.active) };
}

/** config set / unset / view / generate-key. */
export function registerConfigCommands(program: Command, io: Io, globals: () => GlobalOptions): void {
  const config = program
    .command('config')
    .description('read and write settings in $ORION_HOME/profiles.toml (a Prefect home is only read)');

  config
    .command('set')
    .description('set KEY=VALUE pairs in the active profile')
    .argument('<pairs...>', 'KEY=VALUE')
    .action((pairs: string[]) => {
      const updates: [string, string][] = pairs.map((pair) => {
        const at = pair.indexOf('=');
        if (at <= 0) {
          // Nothing of the argument is echoed: it may be a key or a password (`KEY= value` splits into two).
          throw new CliError(
            `Expected KEY=VALUE, got argument ${pairs.indexOf(pair) + 1} without "=" (not shown: it may be a secret; write KEY=VALUE with no space around "=")`,
          );
        }
        const key = pair.slice(0, at);
        const value = pair.slice(at + 1);
        if (!isSettingKey(key)) throw unknownKeyError(key);
        validateSetting(key, value, `${key} (from config set)`);
        return [key, value];
      });
      const { home, file, profile } = writableProfiles();
      file.profiles[profile] = { ...file.profiles[profile], ...Object.fromEntries(updates) };
      writeProfiles(home, file);
      for (const [key] of updates) {
        io.out(`Set ${key} in profile "${profile}" (${profilesPath(home)})`);
        // The environment comes before the profile: what was just written does not take effect.
        const env = isSettingKey(key) ? fromEnvironment(key, process.env) : undefined;
        if (env !== undefined) {
          io.err(
            `orion-db: warning: ${env.origin.name} is set in the environment and overrides ${key} from the profile; unset it for the value just written to take effect`,
          );
        }
      }
    });

  config
    .command('unset')
    .description('remove keys from the active profile')
    .argument('<keys...>', 'KEY')
    .action((keys: string[]) => {
      for (const key of keys) if (!isSettingKey(key)) throw unknownKeyError(key);
      const { home, file, profile } = writableProfiles();
      const values = { ...file.profiles[profile] };
      let changed = false;
      for (const key of keys) {
        if (!(key in values)) io.out(`${key} was not set in profile "${profile}"`);
        else io.out(`Unset ${key} in profile "${profile}"`);
        changed ||= key in values;
        delete values[key];
      }
      // Nothing removed, nothing written: the file keeps its comments and its mode.
      if (!changed) return;
      file.profiles[profile] = values;
      writeProfiles(home, file);
    });

  config
    .command('view')
    .description('print the resolved settings (passwords and keys masked)')
    .option(
      '--show-sources',
      'add where each value came from: (from option|env NAME|profile NAME in FILE|default)',
    )
    .action((options: { showSources?: boolean }) => {
      const settings = loadSettings({ url: globals().url });
      io.out(`ORION_HOME='${settings.home}'`);
      io.out(`ORION_PROFILE='${settings.profile}'`);
      for (const key of SETTING_KEYS) {
        const raw = settings.values[key];
        const shown = raw === null ? '' : SECRET_KEYS.has(key) ? '********' : maskSecrets(raw);
        io.out(
          `${key}='${shown}'${options.showSources ? ` (from ${describeOrigin(settings.origins[key])})` : ''}`,
        );
      }
    });

  config
    .command('generate-key')
    .description(
      'print a fresh block encryption key (32 random bytes) for ORION_DATABASE_ENCRYPTION_KEY; stores nothing',
    )
    .option('--hex', 'print 64 hex characters instead of 44 base64 characters')
    .action((options: { hex?: boolean }) => {
      const key = generateEncryptionKey();
      io.out(options.hex ? Buffer.from(key, 'base64').toString('hex') : key);
    });
}
