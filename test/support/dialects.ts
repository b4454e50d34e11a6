import type { DialectName } from '../../src/index.js';
import { resolvePostgresSource } from '../../src/testing/index.js';

/** Every behaviour runs on both: `describe.each(DIALECTS)('... (%s)', (dialect) => ...)`. */
export const DIALECTS: DialectName[] = ['sqlite', 'postgresql'];

/** True when the Postgres side is a real server (URL or container), which multi-process tests need. */
export async function postgresIsServer(): Promise<boolean> {
  return (await resolvePostgresSource()).kind !== 'pglite';
}

export async function postgresServerUrl(): Promise<string | undefined> {
  const source = await resolvePostgresSource();
  return source.kind === 'pglite' ? undefined : source.url;
}
