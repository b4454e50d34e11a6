/**
 * The server test database made ahead (src/testing/spare-databases.ts): from a process's second
 * createTestDatabase on a server, each one starts the copy for the next, which then is a fresh,
 * migrated, empty database of the same process; a process's first creation starts none; a spare
 * dropped by hand is not handed out; releaseTestResources() and a process whose loop runs empty
 * leave none behind.
 */
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, releaseTestResources } from '../src/testing/index.js';
import { postgresIsServer, postgresServerUrl } from './support/dialects.js';
import { runTs } from './support/spawn.js';

const serverUrl = await postgresServerUrl();
const nameOf = (db: { settings: { url?: string } }) => new URL(db.settings.url ?? '').pathname.slice(1);
/** `orion_test_<token>_`: the prefix every database of the process that made `name` carries. */
const ownerPrefix = (name: string) => /^orion_test_\d+_/.exec(name)![0];

describe.runIf(await postgresIsServer())('the spare test database on a server', () => {
  const admin = postgres(serverUrl ?? '', { max: 1, onnotice: () => {} });
  afterAll(async () => {
    await releaseTestResources();
    await admin.end();
  });
  const owned = async (prefix: string) =>
    (
      await admin.unsafe<{ datname: string }[]>(
        "select datname from pg_database where datname like $1 || '%' order by 1",
        [prefix.replaceAll('_', '\\_')],
      )
    ).map((r) => r.datname);
  /** The process's databases besides `known`, once the spare on its way is there (20 s at most). */
  async function spareBeside(prefix: string, known: string[]): Promise<string> {
    for (let i = 0; i < 400; i++) {
      const others = (await owned(prefix)).filter((n) => !known.includes(n));
      if (others.length === 1) return others[0]!;
      expect(others.length).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no spare database appeared within 20 s');
  }

  it('hands the next test the spare made meanwhile: migrated, empty, and the one after gets its own', async () => {
    const zeroth = await createTestDatabase({ dialect: 'postgresql' });
    const prefix = ownerPrefix(nameOf(zeroth));
    // The process's first creation starts no spare.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await owned(prefix)).toEqual([nameOf(zeroth)]);
    await zeroth.close();

    const first = await createTestDatabase({ dialect: 'postgresql' });
    await first.flows.create({ name: 'written by the first test' });
    const spare = await spareBeside(prefix, [nameOf(first)]);
    await first.close();

    const second = await createTestDatabase({ dialect: 'postgresql' });
    try {
      expect(nameOf(second)).toBe(spare);
      expect(await second.flows.list()).toEqual([]);
      const flow = await second.flows.create({ name: 'in the spare' });
      expect((await second.flows.get(flow.id))?.name).toBe('in the spare');
      const next = await spareBeside(prefix, [spare]);
      expect(next).not.toBe(spare);
    } finally {
      await second.close();
    }
    await releaseTestResources();
    expect(await owned(prefix)).toEqual([]);
  }, 60_000);

  it('a spare dropped by hand is not handed out: the next test gets a copy of its own', async () => {
    await (await createTestDatabase({ dialect: 'postgresql' })).close();
    const first = await createTestDatabase({ dialect: 'postgresql' });
    const prefix = ownerPrefix(nameOf(first));
    const spare = await spareBeside(prefix, [nameOf(first)]);
    await first.close();
    await admin.unsafe(`drop database ${spare} with (force)`);

    const second = await createTestDatabase({ dialect: 'postgresql' });
    try {
      expect(nameOf(second)).not.toBe(spare);
      expect(nameOf(second).startsWith(prefix)).toBe(true);
      expect(await second.flows.list()).toEqual([]);
    } finally {
      await second.close();
    }
    await releaseTestResources();
    expect(await owned(prefix)).toEqual([]);
  }, 60_000);

  it('a script that closes its databases and ends without releaseTestResources leaves none behind', async () => {
    const { code, stdout: out, stderr: err } = await runTs('test/fixtures/spare-exit-child.ts', []);
    expect(code, err).toBe(0);
    const [, first, second] = /databases (\S+) (\S+)/.exec(out) ?? [];
    expect(first, out + err).toBeDefined();
    expect(second).not.toBe(first);
    // Its two databases and the spare it had started for a third: all gone when it exited.
    expect(await owned(ownerPrefix(first!))).toEqual([]);
  }, 60_000);
});
