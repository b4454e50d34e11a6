/**
 * Creating a folder and its missing parents, one at a time, with a reason when it cannot be done.
 *
 * Node's `mkdirSync(path, { recursive: true })` loops forever where a parent exists but refuses new
 * entries with ENOENT: `mkdir /proc/x` says ENOENT, Node goes back to create `/proc`, which exists,
 * and tries `/proc/x` again (`createDatabase({ url: 'sqlite:////proc/forbidden/x.db' })` hung, a
 * fresh-user trial; Node 20). Here each folder is made once, from the nearest existing ancestor
 * down, and the first refusal is final.
 */
import { lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Why a folder could not be made: `code` is the errno code, `at` the path that failed. */
export class FolderError extends Error {
  constructor(
    readonly code: string,
    readonly at: string,
    readonly reason: string,
  ) {
    super(`${at}: ${reason} (${code})`);
  }
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
}

/** The target of `path` when it is a symbolic link whose target does not exist. */
function danglingTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
}

/** The folders from the nearest existing ancestor of `folder` (excluded) down to `folder`. */
function missingFolders(folder: string): string[] {
  const missing: string[] = [];
  for (let current = resolve(folder); ; current = dirname(current)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(current).isDirectory();
    } catch (error) {
      const code = errnoOf(error);
      if (code !== 'ENOENT') throw new FolderError(code, current, 'it cannot be looked at');
      const target = danglingTarget(current);
      if (target !== undefined)
        throw new FolderError('ENOENT', current, `it is a symbolic link to ${target}, which does not exist`);
      missing.unshift(current);
      if (dirname(current) === current) return missing;
      continue;
    }
    if (!isFolder) throw new FolderError('ENOTDIR', current, 'it is a file, not a folder');
    return missing;
  }
}

/**
 * Creates `folder` and its missing parents, each with `mode` (under the umask; default 0777);
 * nothing when it exists.
 * @throws FolderError naming the path that failed and why (`ENOTDIR` when a file is in the way)
 */
export function createFolders(folder: string, mode?: number): void {
  for (const path of missingFolders(folder)) {
    try {
      mkdirSync(path, mode === undefined ? undefined : { mode });
    } catch (error) {
      const code = errnoOf(error);
      // Made meanwhile by someone else: fine, if it is a folder.
      if (code === 'EEXIST' && statSync(path, { throwIfNoEntry: false })?.isDirectory()) continue;
      const reason =
        code === 'ENOENT'
          ? `${dirname(path)} exists but takes no new folders`
          : code === 'EEXIST'
            ? 'a file appeared there meanwhile'
            : 'it cannot be created';
      throw new FolderError(code, path, reason);
    }
  }
}
