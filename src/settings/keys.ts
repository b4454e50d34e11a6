import { ConfigurationError } from '../errors.js';
import { keyTextProblem } from '../repositories/blocks/encryption.js';
import { readDecimal } from './decimal.js';
import { closestOption } from './option-names.js';
import { parseDatabaseUrl } from './url.js';

/** The settings a profile may hold, with their defaults and parsers. */
export const SETTING_KEYS = [
  'ORION_DATABASE_URL',
  'ORION_DATABASE_TIMEOUT',
  'ORION_DATABASE_POOL_SIZE',
  'ORION_DATABASE_PREPARED_STATEMENTS',
  'ORION_DATABASE_MIGRATE_ON_START',
  'ORION_DATABASE_ENCRYPTION_KEY',
] as const;

export type SettingKey = (typeof SETTING_KEYS)[number];

/** Keys whose values are never printed. */
export const SECRET_KEYS: ReadonlySet<SettingKey> = new Set(['ORION_DATABASE_ENCRYPTION_KEY']);

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/** Reads a boolean; `origin` names the setting and its source ("KEY (from env)"). */
export function parseBoolean(value: string, origin: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigurationError(`${origin} must be true/false/1/0/yes/no, got ${JSON.stringify(value)}`);
}

/**
 * Reads a positive number; `origin` names the setting and its source. Text must be plain decimal
 * digits; `typed` is for a JavaScript number given as an option, which has no text to misread.
 */
export function parsePositiveNumber(value: string, origin: string, integer: boolean, typed = false): number {
  // Text is read as decimal digits only (decimal.ts); a number option has no text to misread.
  const n = typed ? Number(value) : (readDecimal(value, integer) ?? Number.NaN);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    // "In decimal digits" is about text; a number option was simply out of range.
    const digits = typed ? '' : ', in decimal digits';
    const what = integer
      ? `a positive whole number${digits} (such as 5)`
      : `a positive number${digits} (such as 10 or 2.5)`;
    throw new ConfigurationError(`${origin} must be ${what}, got ${typed ? value : JSON.stringify(value)}`);
  }
  return n;
}

/** ORION_DATABASE_TIMEOUT's default (seconds); also the test helper's connect timeout. */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** The shortest timeout: 1 ms. Shorter rounds to 0 ms, which turns PostgreSQL's statement timeout off. */
export const MIN_TIMEOUT_SECONDS = 0.001;
/**
 * The longest timeout: 2,147,483 s (24.8 days), the most milliseconds a Node.js timer and
 * better-sqlite3's busy timeout take (2^31 − 1). Past it Node.js fires the timer after 1 ms, and
 * the connect "timed out" at once.
 */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

/** ORION_DATABASE_TIMEOUT: a number of seconds from 1 ms to 24.8 days, else a ConfigurationError. */
export function parseTimeoutSeconds(value: string, origin: string, typed = false): number {
  const n = parsePositiveNumber(value, origin, false, typed);
  if (n < MIN_TIMEOUT_SECONDS || n > MAX_TIMEOUT_SECONDS) {
    throw new ConfigurationError(
      `${origin} must be from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS} seconds (1 ms to 24.8 days), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/**
 * The largest pool: 10,000 connections, past any server's `max_connections` in practice.
 * postgres.js sizes arrays by the pool's maximum when it opens, so `poolSize: 1e9` ended the process
 * with an out-of-memory crash after 45 s (a fresh-user trial).
 */
export const MAX_POOL_SIZE = 10_000;

/** ORION_DATABASE_POOL_SIZE: a whole number from 1 to 10,000, else a ConfigurationError. */
export function parsePoolSize(value: string, origin: string, typed = false): number {
  const n = parsePositiveNumber(value, origin, true, typed);
  if (n > MAX_POOL_SIZE) {
    throw new ConfigurationError(`${origin} must be at most ${MAX_POOL_SIZE}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Checks that a raw value is acceptable for its key; throws ConfigurationError naming `origin`
 * (the setting and its source, "PREFECT_API_DATABASE_TIMEOUT (from env)"). `typed`: the value is
 * a JavaScript number given as an option (its text, `String(n)`, may be `1e-7`).
 */
export function validateSetting(key: SettingKey, value: string, origin: string, typed = false): void {
  switch (key) {
    case 'ORION_DATABASE_URL':
      parseDatabaseUrl(value, origin);
      return;
    case 'ORION_DATABASE_TIMEOUT':
      parseTimeoutSeconds(value, origin, typed);
      return;
    case 'ORION_DATABASE_POOL_SIZE':
      parsePoolSize(value, origin, typed);
      return;
    case 'ORION_DATABASE_PREPARED_STATEMENTS':
    case 'ORION_DATABASE_MIGRATE_ON_START':
      parseBoolean(value, origin);
      return;
    case 'ORION_DATABASE_ENCRYPTION_KEY': {
      if (value === '') throw new ConfigurationError(`${origin} must not be empty`);
      // Checked when the settings load (createDatabase), not at the first block read.
      const problem = keyTextProblem(value);
      if (problem) throw new ConfigurationError(`${origin} ${problem}`);
      return;
    }
  }
}

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

export function unknownKeyError(key: string): ConfigurationError {
  // Only a name is echoed: `KEY:value=` typed by mistake would otherwise print a key or password.
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(key)?.[0] ?? '';
  const shown = name === key ? JSON.stringify(key) : `${JSON.stringify(name)}... (the rest not shown)`;
  const meant = closestOption(name, SETTING_KEYS);
  return new ConfigurationError(
    `Unknown setting ${shown}${meant ? `; did you mean ${meant}?` : ''}; known settings: ${SETTING_KEYS.join(', ')}`,
  );
}
