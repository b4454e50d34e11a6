/**
 * The query options of a connection URL (semantics.md §4 "URL options"). Prefect users carry
 * SQLAlchemy, aiosqlite and asyncpg options in their URLs; postgres.js would send every option it
 * does not know to the server as a run-time parameter, which the server refuses ("unrecognized
 * configuration parameter"). Each option is therefore understood, kept for postgres.js, or dropped
 * with a note — never passed on blindly. The library never prints: notes go to `Settings.notes`.
 */
import { readDecimal } from './decimal.js';
import { ConfigurationError } from '../errors.js';

/** What the options of a PostgreSQL URL mean to us. */
export interface PostgresUrlOptions {
  /** The options postgres.js gets, in their order. */
  readonly kept: [string, string][];
  /** False when the URL turns prepared statements off (a statement cache size of 0). */
  readonly preparedStatements: boolean | undefined;
  /** The option that turned them off, as written (`statement_cache_size=0`). */
  readonly preparedStatementsOption: string | undefined;
  readonly notes: string[];
}

/** Options of SQLAlchemy, asyncpg and libpq that only the client understands: never sent to the server. */
const CLIENT_ONLY = new Set([
  // SQLAlchemy's asyncpg dialect
  'async_fallback',
  'prepared_statement_name_func',
  // asyncpg.connect()
  'timeout',
  'command_timeout',
  'max_cached_statement_lifetime',
  'max_cacheable_statement_size',
  'server_settings',
  'direct_tls',
  'record_class',
  'connection_class',
  // libpq (asyncpg reads many of them too)
  'connect_timeout',
  'passfile',
  'service',
  'hostaddr',
  'krbsrvname',
  'gsslib',
  'gssencmode',
  'channel_binding',
  'requiressl',
  'sslcert',
  'sslkey',
  'sslcrl',
  'sslpassword',
  'sslcompression',
  'sslsni',
  'ssl_min_protocol_version',
  'ssl_max_protocol_version',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'load_balance_hosts',
  'fallback_application_name',
]);

const TIMEOUTS = 'ORION_DATABASE_TIMEOUT sets the connect and statement timeouts';

/** Why some dropped options are worth a sentence of their own. */
const REPLACEMENT: Record<string, string> = {
  // One sentence for the three: whichever of them a URL carries, ORION_DATABASE_TIMEOUT sets both.
  timeout: TIMEOUTS,
  command_timeout: TIMEOUTS,
  connect_timeout: TIMEOUTS,
  sslcert: 'for client certificates pass your own postgres.js client: createDatabase({ client })',
  sslkey: 'for client certificates pass your own postgres.js client: createDatabase({ client })',
  sslrootcert:
    'only sslrootcert=system is understood; for your own CA pass your own postgres.js client: createDatabase({ client })',
};

const SSL_MODES: Record<string, string> = {
  disable: 'disable',
  false: 'disable',
  '0': 'disable',
  no: 'disable',
  // libpq's allow connects with or without TLS (plain first). postgres.js's own 'allow' insists on TLS
  // as 'require' does (connection.js secure()); 'prefer' also connects either way, trying TLS first.
  allow: 'prefer',
  prefer: 'prefer',
  require: 'require',
  // postgres.js checks the certificate and the host name for both (verify-ca is checked as verify-full).
  'verify-ca': 'verify-ca',
  'verify-full': 'verify-full',
  // asyncpg's ssl=True: its default context, which checks the certificate and the host name.
  true: 'verify-full',
  '1': 'verify-full',
  yes: 'verify-full',
};

function sslMode(name: string, value: string): string {
  const mode = SSL_MODES[value.trim().toLowerCase()];
  if (mode === undefined) {
    throw new ConfigurationError(
      `the URL option ${name}=${JSON.stringify(value)} is not an SSL mode (disable, allow, prefer, require, verify-ca, verify-full, true, false)`,
    );
  }
  return mode;
}

function cacheSize(name: string, value: string): number {
  const n = readDecimal(value, true);
  if (n === undefined) {
    throw new ConfigurationError(
      `the URL option ${name}=${JSON.stringify(value)} must be a whole number ≥ 0, in decimal digits (0 turns prepared statements off)`,
    );
  }
  return n;
}

function dropNote(names: string[]): string {
  const list = names.join(', ');
  const why = [...new Set(names.map((n) => REPLACEMENT[n]).filter((r) => r !== undefined))];
  return `dropped the URL option${names.length > 1 ? 's' : ''} ${list}: understood only by SQLAlchemy, asyncpg or libpq, not sent to the server${why.length ? ` (${why.join('; ')})` : ''}`;
}

/**
 * Sorts the options of a PostgreSQL URL: `prepared_statement_cache_size`/`statement_cache_size` (0
 * turns prepared statements off), `ssl`/`sslmode` (one `sslmode` for postgres.js), `sslrootcert=system`
 * are understood; client-only options are dropped with a note; the rest (postgres.js's own options,
 * `application_name`, `options`, server parameters such as `search_path`) are kept.
 * Throws ConfigurationError (without the origin; the caller adds it) for a value it cannot read.
 */
export function postgresUrlOptions(params: URLSearchParams): PostgresUrlOptions {
  const kept: [string, string][] = [];
  const dropped: string[] = [];
  let preparedStatements: boolean | undefined;
  let preparedStatementsOption: string | undefined;
  let ssl: { name: string; mode: string } | undefined;
  for (const [name, value] of params) {
    if (name === 'prepared_statement_cache_size' || name === 'statement_cache_size') {
      if (cacheSize(name, value) === 0 && preparedStatements === undefined) {
        preparedStatements = false;
        preparedStatementsOption = `${name}=${value}`;
      }
    } else if (name === 'ssl' || name === 'sslmode') {
      const mode = sslMode(name, value);
      if (ssl !== undefined && ssl.mode !== mode) {
        throw new ConfigurationError(`the URL options ${ssl.name} and ${name} ask for different SSL modes`);
      }
      ssl = { name, mode };
    } else if (name === 'sslrootcert' && value !== 'system') {
      dropped.push(name);
    } else if (CLIENT_ONLY.has(name)) {
      dropped.push(name);
    } else {
      kept.push([name, value]);
    }
  }
  if (ssl !== undefined) kept.push(['sslmode', ssl.mode]);
  const unique = [...new Set(dropped)];
  return {
    kept,
    preparedStatements,
    preparedStatementsOption,
    notes: unique.length ? [dropNote(unique)] : [],
  };
}

/** What the options of a SQLite URL mean to us. */
export interface SqliteUrlOptions {
  /** `mode=memory`: an in-memory database whatever the name. */
  readonly memory: boolean;
  /** `cache=shared`: one database for every handle of the process that names it. */
  readonly sharedCache: boolean;
  readonly notes: string[];
}

/**
 * Options of a SQLite URL: `mode=memory`, `cache=shared` are understood; `uri` (we always read SQLite
 * URI file names) and `check_same_thread` (a Python threading check) mean nothing here; `mode=rwc`
 * is what every open does. Anything else — `mode=ro`, `immutable`, aiosqlite's `timeout` — is
 * dropped with a note.
 */
export function sqliteUrlOptions(params: URLSearchParams): SqliteUrlOptions {
  let memory = false;
  let sharedCache = false;
  const dropped: string[] = [];
  for (const [name, value] of params) {
    const v = value.trim().toLowerCase();
    if (name === 'mode' && v === 'memory') memory = true;
    else if (name === 'mode' && v === 'rwc') continue;
    else if (name === 'cache') sharedCache = v === 'shared';
    else if (name === 'uri' || name === 'check_same_thread') continue;
    else dropped.push(name === 'mode' ? `mode=${value}` : name);
  }
  const unique = [...new Set(dropped)];
  const notes = unique.length
    ? [
        `dropped the SQLite URL option${unique.length > 1 ? 's' : ''} ${unique.join(', ')}: not supported (the database is opened read-write; ORION_DATABASE_TIMEOUT sets the busy timeout)`,
      ]
    : [];
  return { memory, sharedCache, notes };
}

/**
 * A connection refused for an option of the URL that postgres.js sent to the server as a setting
 * (one we do not know as client-only, e.g. a typo): the ConfigurationError that says which option
 * and what to do, or undefined when the failure is something else. `origin` names the setting.
 */
export function unknownServerParameter(
  url: string,
  error: unknown,
  origin: string,
): ConfigurationError | undefined {
  const name = /unrecognized configuration parameter "([^"]+)"/.exec(String((error as Error)?.message))?.[1];
  if (name === undefined) return undefined;
  let sent: boolean;
  try {
    sent = new URL(url).searchParams.has(name);
  } catch {
    return undefined;
  }
  if (!sent) return undefined;
  return new ConfigurationError(
    `${origin}: the URL option ${name} is not a PostgreSQL setting (the server refused it); remove it from the URL`,
  );
}
