import { rmSync, statSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { ConfigurationError } from '../../errors.js';
import { FrameStorage } from '../frame-storage.js';
import { Gate } from '../gate.js';
import { prepareSqliteFile, sqliteOpenFailure } from './open-file.js';

/** One better-sqlite3 connection with the gate and transaction context every handle on it shares. */
export interface SharedConnection {
  readonly connection: Sqlite.Database;
  readonly gate: Gate;
  readonly storage: FrameStorage;
  /** False for a connection the caller handed in: the library never closes those. */
  readonly owned: boolean;
  handles: number;
}

/**
 * One connection per database file per process, keyed by the file's identity — device and inode —
 * so that a path through a symbolic link, or a hard link, finds the same connection: a second
 * connection on one file would wait on its own write lock. A shared in-memory database
 * (`file:<name>?mode=memory&cache=shared`) is keyed by its name: better-sqlite3 is built without
 * URI file names (SQLITE_USE_URI=0, switchable only process-wide before it loads), so SQLite cannot
 * share it for us; every handle that names it joins one `:memory:` connection here instead, which
 * lives until the last of them closes (as SQLite's shared cache does). A private `:memory:` is never
 * shared.
 */
const registry = new Map<string, SharedConnection>();

/** The identity of an existing file, or undefined when there is none yet. */
function fileIdentity(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * WAL pages a commit may leave before it checkpoints them into the database file (SQLite's
 * default: 1,000). With synchronous=NORMAL a commit only writes to the WAL; the checkpoint is what
 * syncs, two fsyncs of a few milliseconds each on a plain disk. A state transition writes 15–20
 * pages (the run's indexes), so at 1,000 a checkpoint every ~60 transitions was most of their
 * wall time beyond CPU; at 4,000 (a WAL of about 16 MB with 4 KB pages) it is a quarter of that,
 * and a checkpoint of a hot working set copies no more pages. Power loss can take back what the
 * last checkpoint did not sync: with synchronous=NORMAL it could already (docs/decisions.md).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4000;

function configure(connection: Sqlite.Database, timeoutSeconds: number, file: boolean): void {
  if (file) connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${Math.round(timeoutSeconds * 1000)}`);
  // WAL with synchronous=NORMAL is durable across application crashes and much faster on commit.
  if (file) connection.pragma('synchronous = NORMAL');
  if (file) connection.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
}

/**
 * Opens (or joins) the process-wide connection for `path`. Only with `create` (an open that will
 * migrate) are a missing file and its folder created (semantics.md §3); every failure is a typed
 * error naming the path (see open-file.ts).
 */
export function acquireConnection(
  path: string,
  timeoutSeconds: number,
  create: boolean,
  /** The name of a shared in-memory database (`path` is then `:memory:`). */
  sharedMemory?: string,
  /** The setting the URL came from, for the errors (see prepareSqliteFile). */
  urlOrigin?: string,
): SharedConnection {
  const memoryKey = sharedMemory === undefined ? undefined : `memory:${sharedMemory}`;
  const identity = memoryKey ?? (path === ':memory:' ? undefined : fileIdentity(path));
  const existing = identity === undefined ? undefined : registry.get(identity);
  if (existing) {
    existing.handles += 1;
    return existing;
  }
  const file = path !== ':memory:';
  const created = file && prepareSqliteFile(path, create, urlOrigin);
  let connection: Sqlite.Database | undefined;
  try {
    // fileMustExist: between the check above and this open, nothing may create the file for a read-only open.
    connection = new Sqlite(path, {
      timeout: Math.round(timeoutSeconds * 1000),
      fileMustExist: file && !create,
    });
    configure(connection, timeoutSeconds, file);
  } catch (error) {
    connection?.close();
    // The empty file made for this open would otherwise pass later for a database at base.
    if (created) for (const made of [path, `${path}-wal`, `${path}-shm`]) rmSync(made, { force: true });
    throw sqliteOpenFailure(path, error);
  }
  const shared: SharedConnection = {
    connection,
    gate: new Gate(),
    storage: new FrameStorage(),
    owned: true,
    handles: 1,
  };
  const opened = memoryKey ?? (file ? fileIdentity(path) : undefined);
  if (opened !== undefined) registry.set(opened, shared);
  return shared;
}

/** Wraps a connection the caller owns; it is configured but never closed by us. */
export function wrapConnection(connection: Sqlite.Database, timeoutSeconds: number): SharedConnection {
  // As with a read-only file (semantics.md §2): refused at open rather than at the first write.
  if (connection.readonly) {
    throw new ConfigurationError(
      `The better-sqlite3 Database handed to createDatabase (${connection.name}) was opened read-only; @orion/db writes to it. Open it without { readonly: true }.`,
    );
  }
  try {
    configure(connection, timeoutSeconds, !connection.memory);
  } catch (error) {
    throw sqliteOpenFailure(connection.name, error);
  }
  // Rows would carry BigInts where the library (and Drizzle) expect numbers. Asked with a pragma:
  // a SELECT would make SQLite parse the whole schema here (a quarter of a millisecond for ours),
  // which the first query pays anyway but an open need not.
  if (typeof connection.pragma('busy_timeout', { simple: true }) === 'bigint') {
    throw new ConfigurationError(
      `The better-sqlite3 Database handed to createDatabase (${connection.name}) returns integers as BigInt (defaultSafeIntegers(true)); @orion/db needs numbers. Hand in a Database without safe integers.`,
    );
  }
  return { connection, gate: new Gate(), storage: new FrameStorage(), owned: false, handles: 1 };
}

/** Drops one handle; the last one closes a connection we opened. */
export function releaseConnection(shared: SharedConnection): void {
  shared.handles -= 1;
  if (shared.handles > 0 || !shared.owned) return;
  for (const [path, entry] of registry) if (entry === shared) registry.delete(path);
  if (shared.connection.open) shared.connection.close();
}
