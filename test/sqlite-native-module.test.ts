/**
 * better-sqlite3 loads its compiled part on the first open. Where its install script never ran
 * (npm 12 skips dependencies' install scripts a project has not approved, npm/cli#9360) or built it
 * for another Node.js, a SQLite open is a ConfigurationError saying how to build it, never a
 * DatabaseError quoting the thirteen paths the `bindings` package tried.
 *
 * The failures are real: better-sqlite3's own JavaScript is copied to a folder without its build
 * (or with a file that is not a shared library in its place) and stands in for the module while the
 * library is imported afresh.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);
const installed = dirname(require.resolve('better-sqlite3/package.json'));
const root = mkdtempSync(join(tmpdir(), 'orion-native-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.doUnmock('better-sqlite3');
  vi.resetModules();
});

/** better-sqlite3 as an install without its build leaves it; `binary` is put where the build goes. */
function unbuiltCopy(name: string, binary?: string): unknown {
  const modules = join(root, name, 'node_modules');
  const copy = join(modules, 'better-sqlite3');
  cpSync(join(installed, 'package.json'), join(copy, 'package.json'));
  cpSync(join(installed, 'lib'), join(copy, 'lib'), { recursive: true });
  // What better-sqlite3 itself requires to find its build.
  for (const dependency of ['bindings', 'file-uri-to-path']) {
    cpSync(dirname(require.resolve(`${dependency}/package.json`)), join(modules, dependency), {
      recursive: true,
    });
  }
  if (binary !== undefined) {
    mkdirSync(join(copy, 'build', 'Release'), { recursive: true });
    writeFileSync(join(copy, 'build', 'Release', 'better_sqlite3.node'), binary);
  }
  return createRequire(join(copy, 'package.json'))('better-sqlite3');
}

/** The library imported afresh with `Database` standing in for better-sqlite3. */
async function libraryWith(Database: unknown) {
  vi.resetModules();
  vi.doMock('better-sqlite3', () => ({ default: Database }));
  return {
    ...(await import('../src/index.js')),
    ...(await import('../src/testing/index.js')),
  };
}

const cases = [
  { what: 'never built (install script skipped)', name: 'unbuilt', binary: undefined },
  {
    what: 'a build that is not a shared library for this Node.js',
    name: 'foreign',
    binary: 'not an ELF file\n',
  },
];

describe('a SQLite open without a loadable better-sqlite3 build', () => {
  for (const c of cases) {
    it(`is a ConfigurationError saying how to build it: ${c.what}`, async () => {
      const Database = unbuiltCopy(c.name, c.binary) as new (path: string) => unknown;
      // The copy really cannot open a database.
      expect(() => new Database(':memory:')).toThrow();
      const lib = await libraryWith(Database);
      const file = join(root, `${c.name}.db`);
      const opened = lib.createDatabase({ url: file });
      await expect(opened).rejects.toBeInstanceOf(lib.ConfigurationError);
      const error = (await opened.catch((e: unknown) => e)) as Error;
      expect(error.message).toContain('npm rebuild better-sqlite3');
      expect(error.message).toContain('npm approve-scripts better-sqlite3');
      expect(error.message).not.toContain(' → ');
      expect(error.message.split('\n')).toHaveLength(1);
      expect((error as { cause?: unknown }).cause).toBeInstanceOf(Error);
      // The test helper's in-memory databases say the same.
      await expect(lib.createTestDatabase()).rejects.toBeInstanceOf(lib.ConfigurationError);
      await expect(lib.createTestDatabase()).rejects.toThrow(/npm rebuild better-sqlite3/);
    });
  }
});
