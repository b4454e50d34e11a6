/**
 * Where a PostgreSQL URL's connection goes, given to postgres.js as options instead of leaving it
 * to postgres.js's URL parsing, which splits the host at every `:` (an IPv6 address such as
 * `[::1]` became a host named `[`) and never decodes a percent-encoded Unix-socket folder
 * (`%2Frun%2Fpostgresql` became a host of that name). The settings' URL parser (settings/url.ts)
 * writes both forms, and libpq's `?host=/folder` becomes the second.
 */

/** postgres.js's `host`, `port` and, for a Unix socket, `path` options. */
export interface ServerAddress {
  host: string[];
  port: number[];
  path?: string;
}

/**
 * The address in `url` (a URL the settings' parser returned): a host name, an IPv6 address without
 * its brackets, or a Unix socket (`<folder>/.s.PGSQL.<port>`, libpq's name for it).
 * @example postgres(url, { ...serverAddress(url) }) // postgres://u@%2Frun%2Fpostgresql/db → path /run/postgresql/.s.PGSQL.5432
 */
export function serverAddress(url: string): ServerAddress {
  const parsed = new URL(url);
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  const host = decodeURIComponent(parsed.hostname);
  if (host.startsWith('/')) {
    return { host: [host], port: [port], path: `${host.replace(/\/+$/, '')}/.s.PGSQL.${port}` };
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return { host: [bare === '' ? 'localhost' : bare], port: [port] };
}
