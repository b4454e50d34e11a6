/**
 * SQLite paths that cannot be opened fail at once with a ConfigurationError naming the path and
 * the reason, whatever is in the way: a folder that takes no new folders (`/proc`: Node's
 * recursive mkdir looped forever there, so `createDatabase({ url: 'sqlite:////proc/forbidden/x.db' })`
 * hung), a symbolic link to nothing, a device or a pipe where the file should be. Each open runs in
 * a child process with a deadline, so the old hang fails the test instead of hanging the suite.
 * (Parents that are files, read-only folders and files, folders as paths: opening.test.ts.)
 * SQLite only: a PostgreSQL URL names no path (its unreachable servers: connect-timeout.test.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'orion-open-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The outcome of the child's open, or 'hung' when it did not end within 20 s (it is then killed). */
function openInChild(path: string, mode = 'open'): Promise<{ name?: string; message?: string } | 'hung'> {
  const args = ['--import', 'tsx', 'test/fixtures/open-path-child.ts', mode, path];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 20_000 }, (error, stdout) => {
      if (error?.killed) return resolve('hung');
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) || '{}'));
    });
  });
}

const linux = process.platform === 'linux' && existsSync('/proc/self');

describe('a SQLite folder that cannot be created', () => {
  it.runIf(linux).each([['/proc/orion-db-test/x.db'], ['/proc/orion-db-test/a/b/x.db']])(
    '%s (under /proc, which takes no new folders) is a ConfigurationError, at once',
    async (path) => {
      const outcome = await openInChild(path);
      expect(outcome).not.toBe('hung');
      expect(outcome).toMatchObject({ name: 'ConfigurationError' });
      const { message } = outcome as { message: string };
      expect(message).toContain(path);
      expect(message).toContain('/proc exists but takes no new folders');
    },
  );

  it('under a symbolic link to nothing is a ConfigurationError naming the link', async () => {
    const link = join(dir, 'dangling');
    symlinkSync(join(dir, 'nothing-here'), link);
    const path = join(link, 'a', 'orion.db');
    const outcome = await openInChild(path);
    expect(outcome).toMatchObject({ name: 'ConfigurationError' });
    expect((outcome as { message: string }).message).toContain(path);
    expect((outcome as { message: string }).message).toContain(`${link}: it is a symbolic link to`);
    expect(existsSync(join(dir, 'nothing-here'))).toBe(false);
  });

  it.runIf(linux)(
    'for a profiles.toml (config set) under /proc is a ConfigurationError, at once',
    async () => {
      const outcome = await openInChild('/proc/orion-db-test/home', 'profiles');
      expect(outcome).not.toBe('hung');
      expect(outcome).toMatchObject({ name: 'ConfigurationError' });
      expect((outcome as { message: string }).message).toContain('/proc/orion-db-test/home/profiles.toml');
    },
  );
});

describe('a SQLite path that is not a file', () => {
  it.runIf(existsSync('/dev/null'))('a character device is a ConfigurationError saying so', async () => {
    expect(await openInChild('/dev/null')).toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('/dev/null is a character device, not a file'),
    });
  });

  it.runIf(linux)('a named pipe is a ConfigurationError saying so', async () => {
    const fifo = join(dir, 'pipe.db');
    execFileSync('mkfifo', [fifo]);
    expect(await openInChild(fifo)).toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining(`${fifo} is a named pipe (FIFO), not a file`),
    });
  });
});
