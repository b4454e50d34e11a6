import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';
import { maskSecrets } from './mask.js';

/** Where a connection URL points, once understood. */
export type DatabaseTarget =
  | { kind: 'sqlite'; path: string | ':memory:' }
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string | null };

/** Describes the origin of a URL for error messages, e.g. "ORION_DATABASE_URL (from env)". */
export type UrlOrigin = string;

const MEMORY_FORMS = new Set([':memory:', 'file::memory:']);

/**
 * Understands every URL form the settings accept: SQLite (`sqlite:///rel`, `sqlite:////abs`, a plain
 * path, `:memory:`), PostgreSQL (`postgres://`, `postgresql://`), PGlite (`pglite://memory`,
 * `pglite:///abs/dir`) and the SQLAlchemy driver forms Prefect users have (`sqlite+aiosqlite://`,
 * `postgresql+asyncpg://`). A URL it cannot use is a ConfigurationError naming `origin`.
 * @example parseDatabaseUrl('sqlite:///orion.db'); // { kind: 'sqlite', path: '/current/dir/orion.db' }
 */
export function parseDatabaseUrl(raw: string, origin: UrlOrigin = 'the database URL'): DatabaseTarget {
  const url = raw.trim();
  const fail = (why: string): never => {
    throw new ConfigurationError(
      `${origin} ${JSON.stringify(maskSecrets(url))} is not a database URL I understand: ${why}`,
    );
  };
  if (url === '') fail('it is empty');
  if (url.includes('\0')) fail('it contains a NUL character');
  if (MEMORY_FORMS.has(url)) return { kind: 'sqlite', path: ':memory:' };

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // A plain path. Windows drive letters and "C:" forms are not supported here on purpose.
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) fail('expected sqlite://, postgresql://, pglite:// or a file path');
    return { kind: 'sqlite', path: resolvePath(url) };
  }
  const base = scheme.split('+')[0];
  const rest = url.slice(scheme.length + 3);
  switch (base) {
    case 'sqlite': {
      // SQLAlchemy convention: three slashes = relative path, four = absolute.
      if (!rest.startsWith('/'))
        fail('SQLite URLs look like sqlite:///relative.db or sqlite:////absolute.db');
      const path = decodeURIComponent(rest.slice(1).split('?')[0] ?? '');
      if (path === '' || MEMORY_FORMS.has(path)) return { kind: 'sqlite', path: ':memory:' };
      return { kind: 'sqlite', path: resolvePath(path) };
    }
    case 'postgres':
    case 'postgresql': {
      const normalised = `postgres://${rest}`;
      let parsed: URL;
      try {
        parsed = new URL(normalised);
      } catch {
        return fail('it is not a valid URL');
      }
      if (parsed.pathname.length > 1 && parsed.pathname.slice(1).includes('/'))
        fail('the database name contains "/"');
      return { kind: 'postgres', url: normalised };
    }
    case 'pglite': {
      if (rest === 'memory' || rest === 'memory/' || rest === '') return { kind: 'pglite', dataDir: null };
      if (!rest.startsWith('/')) fail('PGlite URLs look like pglite://memory or pglite:///absolute/dir');
      return { kind: 'pglite', dataDir: resolvePath(rest) };
    }
    default:
      return fail(`the scheme "${scheme}" is not supported (use sqlite, postgresql or pglite)`);
  }
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
      return target.path === ':memory:' ? 'SQLite (in memory)' : `SQLite file ${target.path}`;
    case 'postgres':
      return `PostgreSQL ${maskSecrets(target.url)}`;
    case 'pglite':
      return target.dataDir ? `PGlite ${target.dataDir}` : 'PGlite (in memory)';
  }
}
