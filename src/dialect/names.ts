/** The database kinds and drivers, in a file of their own so the public types need no Drizzle import. */
export type DialectName = 'sqlite' | 'postgresql';
export type DriverName = 'better-sqlite3' | 'postgres' | 'pglite';
