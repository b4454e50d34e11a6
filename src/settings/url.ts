import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';
import { maskSecrets } from './mask.js';
import { postgresUrlOptions, sqliteUrlOptions } from './url-options.js';

/**
 * Where a connection URL points, once understood. A SQLite target with `shared` is an in-memory
 * database shared by every handle of this process opened with the same name (SQLite's
 * `file:<name>?mode=memory&cache=shared`, Prefect's `file::memory:?cache=shared`); without it,
 * `:memory:` is private to its handle. A PostgreSQL target's `url` carries only the options
 * postgres.js should see (see url-options.ts).
 */
export type DatabaseTarget =
  | { kind: 'sqlite'; path: string | ':memory:'; shared?: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string | null };

/** Describes the origin of a URL for error messages, e.g. "ORION_DATABASE_URL (from env)". */
export type UrlOrigin = string;

const MEMORY_FORMS = new Set([':memory:', 'file::memory:']);

/** A URL once understood: where it points, what its options mean, and what was dropped from it. */
export interface UnderstoodUrl {
  readonly target: DatabaseTarget;
  /** False when the URL turns prepared statements off (`prepared_statement_cache_size=0`). */
  readonly preparedStatements: boolean | undefined;
  /** The option that turned prepared statements off, as written (`prepared_statement_cache_size=0`). */
  readonly preparedStatementsOption?: string;
  /** Sentences about options that were dropped, for the caller to show (the library never prints). */
  readonly notes: string[];
}

/**
 * Understands every URL form the settings accept: SQLite (`sqlite:///rel`, `sqlite:////abs`, a plain
 * path, `:memory:`, SQLite URI file names such as `file::memory:?cache=shared`), PostgreSQL
 * (`postgres://`, `postgresql://`), PGlite (`pglite://memory`, `pglite:///abs/dir`) and the
 * SQLAlchemy driver forms Prefect users have (`sqlite+aiosqlite://`, `postgresql+asyncpg://`).
 *
 * ```ts
 * parseDatabaseUrl('postgresql+asyncpg://u@db/prefect?ssl=require');
 * // { kind: 'postgres', url: 'postgres://u@db/prefect?sslmode=require' }
 * ```
 * @throws ConfigurationError naming `origin` for a URL it cannot understand.
 */
export function parseDatabaseUrl(raw: string, origin: UrlOrigin = 'the database URL'): DatabaseTarget {
  return understandDatabaseUrl(raw, origin).target;
}

/** As `parseDatabaseUrl`, with what the URL's options mean and the notes about dropped ones. */
export function understandDatabaseUrl(raw: string, origin: UrlOrigin = 'the database URL'): UnderstoodUrl {
  const url = raw.trim();
  const fail = (why: string): never => {
    throw new ConfigurationError(
      `${origin} ${JSON.stringify(maskSecrets(url))} is not a database URL I understand: ${why}`,
    );
  };
  const plain = (target: DatabaseTarget): UnderstoodUrl => ({
    target,
    preparedStatements: undefined,
    notes: [],
  });
  if (url === '') fail('it is empty');
  if (url.includes('\0')) fail('it contains a NUL character');
  if (MEMORY_FORMS.has(url)) return plain({ kind: 'sqlite', path: ':memory:' });
  const noted = (understood: UnderstoodUrl): UnderstoodUrl => ({
    ...understood,
    notes: understood.notes.map((note) => `${origin}: ${note}`),
  });
  if (/^file:/i.test(url)) return noted(sqliteUrl(url, fail));

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // `postgresql//host/db` is a URL with its ':' lost, not a folder named postgresql (a fresh
    // user's trial: a server with that typo kept its data in ./postgresql/host/db, a SQLite file).
    const lost = /^((?:sqlite|postgres|postgresql|pglite)(?:\+[a-z0-9]+)?)\/\//i.exec(url);
    if (lost)
      fail(`it reads as a ${lost[1]}:// URL with its ":" missing; for a file of that path write ./${url}`);
    // A plain path. Windows drive letters and "C:" forms are not supported here on purpose.
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) fail('expected sqlite://, postgresql://, pglite:// or a file path');
    return plain({ kind: 'sqlite', path: resolvePath(url) });
  }
  const base = scheme.split('+')[0];
  const rest = url.slice(scheme.length + 3);
  switch (base) {
    case 'sqlite': {
      // SQLAlchemy convention: three slashes = relative path, four = absolute.
      if (!rest.startsWith('/'))
        fail('SQLite URLs look like sqlite:///relative.db or sqlite:////absolute.db');
      return noted(sqliteUrl(rest.slice(1), fail));
    }
    case 'postgres':
    case 'postgresql':
      return noted(postgresUrl(`postgres://${rest}`, fail));
    case 'pglite': {
      if (rest === 'memory' || rest === 'memory/' || rest === '')
        return plain({ kind: 'pglite', dataDir: null });
      if (!rest.startsWith('/')) fail('PGlite URLs look like pglite://memory or pglite:///absolute/dir');
      return plain({ kind: 'pglite', dataDir: resolvePath(rest) });
    }
    default:
      return fail(`the scheme "${scheme}" is not supported (use sqlite, postgresql or pglite)`);
  }
}

type Fail = (why: string) => never;

/** The part of a SQLite URL after `sqlite:///`: a path or a SQLite URI file name, then options. */
function sqliteUrl(pathAndQuery: string, fail: Fail): UnderstoodUrl {
  const at = pathAndQuery.indexOf('?');
  const options = sqliteUrlOptions(new URLSearchParams(at < 0 ? '' : pathAndQuery.slice(at + 1)));
  let path = decodeURIComponent(at < 0 ? pathAndQuery : pathAndQuery.slice(0, at));
  if (/^file:/i.test(path)) {
    // A SQLite URI file name: file:name, file:/abs, file:///abs or file://localhost/abs.
    path = path.slice(5);
    if (path.startsWith('//')) {
      const slash = path.indexOf('/', 2);
      const authority = slash < 0 ? path.slice(2) : path.slice(2, slash);
      if (authority !== '' && authority !== 'localhost') fail(`the SQLite URI names a host (${authority})`);
      path = slash < 0 ? '' : path.slice(slash);
    }
  }
  // An empty path is no database name: most often a variable that was not set (`sqlite:///${DIR}`).
  // Opening it in memory would lose every write at close, so only the named forms mean memory.
  if (!options.memory && path.trim() === '')
    fail('its SQLite path is empty (an unset variable?); an in-memory database is sqlite:///:memory:');
  const memory = options.memory || MEMORY_FORMS.has(path);
  let target: DatabaseTarget;
  if (!memory) target = { kind: 'sqlite', path: resolvePath(path) };
  else if (options.sharedCache)
    target = { kind: 'sqlite', path: ':memory:', shared: path === '' ? ':memory:' : path };
  else target = { kind: 'sqlite', path: ':memory:' };
  return { target, preparedStatements: undefined, notes: options.notes };
}

/**
 * libpq's and SQLAlchemy's Unix-socket form, `postgresql://user@/db?host=/run/postgresql[&port=N]`
 * (Google Cloud SQL's `?host=/cloudsql/<instance>` among them), has no host in its authority,
 * which a WHATWG URL refuses. The host and port move into the authority: a socket folder
 * percent-encoded (`%2Frun%2Fpostgresql`, libpq's other spelling of it), an IPv6 address in
 * brackets; server-address.ts reads them back for the connection.
 */
function hostFromQuery(normalised: string, fail: Fail): string {
  const empty = /^postgres:\/\/([^/?#@]*@)?(?=[/?#]|$)/.exec(normalised);
  const queryAt = normalised.indexOf('?');
  const query = new URLSearchParams(queryAt < 0 ? '' : normalised.slice(queryAt + 1));
  for (const key of ['host', 'port']) {
    if (query.getAll(key).length > 1) fail(`it names ?${key}= more than once (keep one)`);
  }
  const host = query.get('host');
  const port = query.get('port');
  if (port !== null && !/^\d{1,5}$/.test(port)) fail(`its port ${JSON.stringify(port)} is not a port number`);
  query.delete('host');
  query.delete('port');
  const kept = query.toString();
  const tail = (from: number) =>
    `${normalised.slice(from, queryAt < 0 ? undefined : queryAt)}${kept ? `?${kept}` : ''}`;
  if (!empty) {
    if (host !== null)
      fail(
        'it names its host twice, in the authority and as ?host= (keep one: postgresql://user@/db?host=/socket/folder for a Unix socket)',
      );
    if (port === null) return normalised;
    // libpq reads ?port= beside a host too; postgres.js would send it to the server as a setting.
    const authority = /^postgres:\/\/([^/?#]*)/.exec(normalised)![0];
    if (/:\d*$/.test(authority.replace(/\[[^\]]*\]/, '').slice('postgres://'.length)))
      fail('it names its port twice, in the authority and as ?port= (keep one)');
    return `${authority}:${port}${tail(authority.length)}`;
  }
  if (host === null || host === '')
    fail(
      'it names no host (write postgresql://user@host/database, or postgresql://user@/database?host=/socket/folder for a Unix socket)',
    );
  const name = host!.startsWith('/') ? encodeURIComponent(host!) : host!.includes(':') ? `[${host}]` : host!;
  return `postgres://${empty[1] ?? ''}${name}${port === null ? '' : `:${port}`}${tail(empty[0].length)}`;
}

function postgresUrl(written: string, fail: Fail): UnderstoodUrl {
  const normalised = hostFromQuery(written, fail);
  let parsed: URL;
  try {
    parsed = new URL(normalised);
  } catch {
    return fail('it is not a valid URL');
  }
  if (parsed.hostname.includes(','))
    fail(`it names several hosts (${parsed.hostname}); name one: the library connects to a single server`);
  if (parsed.pathname.length > 1 && parsed.pathname.slice(1).includes('/'))
    fail('the database name contains "/"');
  // Without one, PostgreSQL opens the database named after the user, and the library would migrate
  // it: `postgresql://` or `postgresql://host/` is most often a variable left unset (a fresh-user
  // trial migrated the server's `root` database that way), as `sqlite:///` is for SQLite.
  if (parsed.pathname.length <= 1)
    fail('it names no database (write postgresql://host/database; an unset variable?)');
  let options: ReturnType<typeof postgresUrlOptions>;
  try {
    options = postgresUrlOptions(parsed.searchParams);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return fail(error.message);
  }
  const at = normalised.indexOf('?');
  if (at < 0)
    return { target: { kind: 'postgres', url: normalised }, preparedStatements: undefined, notes: [] };
  // The URL is rebuilt from the kept options only; the rest of it is left exactly as written.
  const query = new URLSearchParams(options.kept).toString();
  const url = `${normalised.slice(0, at)}${query ? `?${query}` : ''}`;
  return {
    target: { kind: 'postgres', url },
    preparedStatements: options.preparedStatements,
    preparedStatementsOption: options.preparedStatementsOption,
    notes: options.notes,
  };
}

function resolvePath(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? resolve(path) : resolve(process.cwd(), path);
}

/** A human-readable, password-free description of a target, for prompts and logs. */
export function describeTarget(target: DatabaseTarget): string {
  switch (target.kind) {
    case 'sqlite':
      if (target.shared !== undefined)
        return `SQLite (in memory, shared in this process as ${JSON.stringify(target.shared)})`;
      return target.path === ':memory:' ? 'SQLite (in memory)' : `SQLite file ${target.path}`;
    case 'postgres':
      return `PostgreSQL ${maskSecrets(target.url)}`;
    case 'pglite':
      return target.dataDir ? `PGlite ${target.dataDir}` : 'PGlite (in memory)';
  }
}
