/**
 * Getting a SQLite file ready to open, and saying clearly why one cannot be (semantics.md §2
 * "Errors", §3 "Opening"):
 *
 * - only an open that will create and migrate the database creates the file and its parent folder;
 *   any other open of a missing file is a `MigrationError` naming the path and `orion-db upgrade`,
 *   and creates nothing;
 * - a path that cannot be used (a parent that is a file, a folder that cannot be created or written,
 *   a read-only file, a folder where the file should be, a file that is not a database) is a
 *   `ConfigurationError` naming the path and what to do;
 * - an I/O failure is a `DatabaseError` naming the path.
 *
 * A database the library creates is owner-only: the folders it makes 0700, the file 0600, created
 * empty before SQLite opens it (SQLite gives its -wal and -shm files the main file's mode). Without a
 * configured key the file holds the block encryption key, and umask 022 would let every local user
 * read it. A file or folder that already exists keeps its mode: the owner chose it.
 *
 * Writability is asked of the kernel (`access(2)`), not read from permission bits: that is what
 * also holds for root, for whom only immutable files and read-only mounts are read-only. A file
 * SQLite cannot write it would otherwise open read-only without a word and fail at the first write.
 */
import { type Stats, accessSync, closeSync, constants, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigurationError, DatabaseError, MigrationError, type OrionDbError } from '../../errors.js';
import { FolderError, createFolders } from '../../folders.js';
import { mapDriverError } from '../map-error.js';

const ELSEWHERE = 'point ORION_DATABASE_URL (or the url option) at a writable location';
const ELSEWHERE_SENTENCE = `P${ELSEWHERE.slice(1)}`;

type Probe = { stats: Stats; code?: undefined } | { stats?: undefined; code: string };

function probe(path: string): Probe {
  try {
    return { stats: statSync(path) };
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code ?? 'UNKNOWN' };
  }
}

function writable(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  }
}

/** The nearest ancestor of `path` that exists but is not a folder, if any. */
function fileInTheWay(path: string): string | undefined {
  for (let current = dirname(path); current !== dirname(current); current = dirname(current)) {
    const found = probe(current);
    if (found.stats && !found.stats.isDirectory()) return current;
  }
  return undefined;
}

function parentIsFile(path: string): ConfigurationError {
  const blocker = fileInTheWay(path) ?? dirname(path);
  return new ConfigurationError(
    `The SQLite database path ${path} cannot be used: ${blocker} is a file, not a folder. ${ELSEWHERE_SENTENCE}, ` +
      `or move ${blocker} out of the way.`,
  );
}

/** Errors of the file system that mean "this path cannot be used", not "the disk failed". */
const PATH_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENAMETOOLONG',
  'ELOOP',
  'EISDIR',
  'ENOTDIR',
  'EEXIST',
]);

function notAFile(stats: Stats): string {
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Errors of the file system that mean the disk failed (or is full), not the path. */
const IO_CODES = new Set(['EIO', 'ENOSPC', 'EDQUOT', 'ENOMEM']);

function pathProblem(path: string, code: string, what: string, folder?: FolderError): OrionDbError {
  if (code === 'ENOTDIR' || (code === 'EEXIST' && folder === undefined)) return parentIsFile(path);
  // A folder that cannot be made for a reason of the path (ENOENT under /proc, a dangling link)
  // is the path's problem too; a disk error while making it is an I/O failure.
  if (PATH_CODES.has(code) || (folder !== undefined && !IO_CODES.has(code))) {
    const why = !PATH_CODES.has(code)
      ? `${folder?.at}: ${folder?.reason}`
      : code === 'EROFS'
        ? 'it is on a read-only file system'
        : code === 'ENAMETOOLONG'
          ? 'the path is too long'
          : code === 'ELOOP'
            ? 'the path has a symbolic-link loop'
            : 'permission denied';
    return new ConfigurationError(
      `The SQLite database path ${path} cannot be used: ${what} (${code}: ${why}). ${ELSEWHERE_SENTENCE}.`,
    );
  }
  return new DatabaseError(`I/O failure on the SQLite database ${path}: ${what} (${code})`);
}

/**
 * Checks that `path` can be opened for reading and writing and, when `create`, creates its folder
 * (0700) and the empty file (0600). Throws the typed error that says why not; creates nothing
 * unless `create`. `urlOrigin` names the setting the URL came from, as `describeForError` words it
 * (a Prefect name, a profile). Returns true when it created the file (for the caller to remove
 * should SQLite then fail to open it).
 */
export function prepareSqliteFile(path: string, create: boolean, urlOrigin = 'ORION_DATABASE_URL'): boolean {
  const folder = dirname(path);
  const found = probe(path);
  if (found.stats) {
    if (found.stats.isDirectory()) {
      throw new ConfigurationError(
        `The SQLite database path ${path} is a folder, not a file. Point ORION_DATABASE_URL at a file inside it, e.g. ${path}/orion.db.`,
      );
    }
    // A device, a pipe or a socket: SQLite would fail on it later with a disk I/O error.
    if (!found.stats.isFile()) {
      throw new ConfigurationError(
        `The SQLite database path ${path} is ${notAFile(found.stats)}, not a file. ${ELSEWHERE_SENTENCE}.`,
      );
    }
    const file = writable(path);
    if (file) {
      throw new ConfigurationError(
        `The SQLite database ${path} is read-only (${file}): SQLite must write to it. Make it writable for this user, or ${ELSEWHERE}.`,
      );
    }
    const dir = writable(folder);
    if (dir) {
      throw new ConfigurationError(
        `The folder ${folder} of the SQLite database ${path} is not writable (${dir}): SQLite creates its -wal and -shm files beside the database. Make the folder writable for this user, or ${ELSEWHERE}.`,
      );
    }
    return false;
  }
  if (found.code !== 'ENOENT') throw pathProblem(path, found.code, 'it cannot be read');
  if (!create) {
    throw new MigrationError(
      `There is no SQLite database at ${path}, and this open does not create one: nothing was created. ` +
        `Create it with \`orion-db upgrade\` (or open it once with migrateOnOpen: true), or check ${urlOrigin}.`,
    );
  }
  try {
    createFolders(folder, OWNER_ONLY_FOLDER);
  } catch (error) {
    if (!(error instanceof FolderError)) throw error;
    if (error.code === 'ENOTDIR') throw parentIsFile(path);
    throw pathProblem(path, error.code, `its folder ${folder} cannot be created`, error);
  }
  const dir = writable(folder);
  if (dir) {
    throw new ConfigurationError(
      `The SQLite database ${path} cannot be created: its folder ${folder} is not writable (${dir}). Make the folder writable for this user, or ${ELSEWHERE}.`,
    );
  }
  return createOwnerOnly(path);
}

const OWNER_ONLY_FOLDER = 0o700;
const OWNER_ONLY_FILE = 0o600;

/**
 * Creates `path` empty and 0600 (exclusively: a file another process created meanwhile is left as
 * it is, and false returned). SQLite takes an empty file for a new database.
 */
function createOwnerOnly(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx', OWNER_ONLY_FILE));
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
    if (code === 'EEXIST') return false;
    throw pathProblem(path, code, 'it cannot be created');
  }
}

/**
 * Why better-sqlite3 could not load its compiled part, on one line, or undefined for any other
 * failure. It loads it on the first open, not on import: never built (its install script skipped:
 * npm 12 blocks dependencies' install scripts unless the project approves them, npm/cli#9360), or
 * built for another Node.js (ABI mismatch). Without this the open was a DatabaseError quoting the
 * thirteen paths the `bindings` package tried, which say only "not built".
 */
function nativeModuleFailure(code: string, message: string): string | undefined {
  if (message.startsWith('Could not locate the bindings file')) return 'its compiled file is missing';
  if (code === 'ERR_DLOPEN_FAILED' && message.includes('better_sqlite3'))
    return message.replace(/\s*\n\s*/g, ' ');
  return undefined;
}

/** SQLite result codes that mean the path cannot be used as a database, rather than an I/O failure. */
const UNUSABLE = /^SQLITE_(CANTOPEN|READONLY|NOTADB|PERM|AUTH)/;

/** Maps a failure of opening or configuring the SQLite database at `path` to the typed error. */
export function sqliteOpenFailure(path: string, error: unknown): OrionDbError {
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB') {
    return new ConfigurationError(
      `The file ${path} is not a SQLite database (${message}). Point ORION_DATABASE_URL at a database file, or at a path where one may be created.`,
      { cause: error },
    );
  }
  if (UNUSABLE.test(code)) {
    return new ConfigurationError(
      `The SQLite database ${path} cannot be opened for writing (${code}: ${message}). Check that it and its folder are writable by this user, or ${ELSEWHERE}.`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') return mapDriverError(error);
  if (code.startsWith('SQLITE_')) {
    return new DatabaseError(`I/O failure opening the SQLite database ${path} (${code}: ${message})`, {
      cause: error,
    });
  }
  const native = nativeModuleFailure(code, message);
  if (native !== undefined) {
    return new ConfigurationError(
      `better-sqlite3's native module cannot be loaded, so no SQLite database can be opened (${native}). ` +
        'Its install script builds it for the Node.js that runs it: run `npm rebuild better-sqlite3` (again after changing Node.js versions). ' +
        "npm 12 skips dependencies' install scripts unless approved (npm 11.16 and newer only list them): `npm approve-scripts better-sqlite3`, then `npm rebuild better-sqlite3`. " +
        'A PostgreSQL URL does not need it.',
      { cause: error },
    );
  }
  const errno = (error as NodeJS.ErrnoException)?.code;
  if (errno) return pathProblem(path, errno, message);
  return new DatabaseError(`Opening the SQLite database ${path} failed: ${message}`, { cause: error });
}
