/** SQLite files reached through other names, and clients the library cannot read (found trying the package as a user). */
import { linkSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createDatabase } from '../src/index.js';

describe('SQLite file identity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orion-ident-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a path through a symbolic link or a hard link shares the connection, so writes never wait on themselves', async () => {
    const file = join(dir, 'one.db');
    const a = await createDatabase({ url: file });
    symlinkSync(dir, join(dir, 'link'));
    linkSync(file, join(dir, 'hard.db'));
    const b = await createDatabase({ url: join(dir, 'link', 'one.db'), timeoutSeconds: 1 });
    const c = await createDatabase({ url: join(dir, 'hard.db'), timeoutSeconds: 1 });
    try {
      await a.transaction(async (tx) => {
        await tx.flows.create({ name: 'a' });
        await b.flows.create({ name: 'b' });
        await c.flows.create({ name: 'c' });
      });
      expect((await b.flows.list()).map((f) => f.name).sort()).toEqual(['a', 'b', 'c']);
    } finally {
      await c.close();
      await b.close();
      await a.close();
    }
  });

  it('refuses a client that returns integers as BigInt, at open', async () => {
    const client = new Sqlite(':memory:');
    client.defaultSafeIntegers(true);
    try {
      await expect(createDatabase({ client })).rejects.toBeInstanceOf(ConfigurationError);
    } finally {
      client.close();
    }
  });
});
