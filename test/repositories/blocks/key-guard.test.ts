/**
 * One key per database (trial 5, repro-block-key-poison.mjs): a handle opened with another key
 * (a misconfigured replica, a setting key mixed with the key stored in `configuration`) must not
 * write a document; before, its create succeeded and every correctly keyed handle's list and
 * rotation failed from then on. Two handles with different keys racing on an empty database: one
 * key wins. The kid error names where the key came from.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, type Database, generateEncryptionKey } from '../../../src/index.js';
import { describeKeyOrigin } from '../../../src/repositories/blocks/keyring.js';
import { DIALECTS } from '../../support/dialects.js';
import { type BlockFixture, blockFixture, sharedHandles } from './support.js';

const GOOD = 'a'.repeat(64);
const WRONG = 'b'.repeat(64);

const create = (db: Database, f: BlockFixture, name: string) =>
  db.blockDocuments.create({
    name,
    blockTypeId: f.typeId,
    blockSchemaId: f.schemaId,
    data: { password: `pw-${name}` },
  });

const rows = (db: Database) => db.execute('select id, name, data from block_document order by id');

describe.each(DIALECTS)('one block key per database (%s)', (dialect) => {
  const { handle } = sharedHandles(dialect);

  it('a handle with another key cannot create or update; list and rotation keep working', async () => {
    const good = await handle(GOOD);
    const f = await blockFixture(good);
    const doc = await create(good, f, 'ok');
    const wrong = await handle(WRONG);
    const before = await rows(good);
    const created = await create(wrong, f, 'written-by-wrong-key').catch((e: unknown) => e);
    expect(created).toBeInstanceOf(ConfigurationError);
    // The read side's wording, and the key's real source (the option, not the variable).
    expect((created as Error).message).toMatch(
      /^The block documents of this database are encrypted with key [0-9a-f]{16}, but the key from the encryptionKey option is [0-9a-f]{16}: open the database with the key it was written with/,
    );
    const updated = await wrong.blockDocuments
      .update(doc.id, { data: { password: 'y' } })
      .catch((e: unknown) => e);
    expect(updated).toBeInstanceOf(ConfigurationError);
    expect(await rows(good)).toEqual(before);
    expect((await good.blockDocuments.list()).map((d) => d.name)).toEqual(['ok']);
    const rotated = await good.blockDocuments.rotateEncryptionKey('new passphrase');
    expect(rotated).toMatchObject({ documents: 1 });
    // The old key is now the wrong one too.
    await expect(create(await handle(GOOD), f, 'stale')).rejects.toBeInstanceOf(ConfigurationError);
    await expect(create(await handle('new passphrase'), f, 'fresh')).resolves.toMatchObject({
      name: 'fresh',
    });
  });

  it('a setting key mixed with the key stored in configuration is refused the same way', async () => {
    const stored = await handle();
    const f = await blockFixture(stored);
    await create(stored, f, 'ok');
    const error = await create(await handle(generateEncryptionKey()), f, 'mixed').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('encrypted with key');
    // …and the other way round: the stored key against a setting key's documents.
    const other = await handle();
    await other.execute('delete from block_document');
    await create(await handle(GOOD), f, 'setting');
    await expect(create(other, f, 'from-stored')).rejects.toThrow(
      /, but the key stored in the configuration table is [0-9a-f]{16}:/,
    );
    expect((await (await handle(GOOD)).blockDocuments.list()).map((d) => d.name)).toEqual(['setting']);
  });

  it('two handles with different keys racing on an empty database: exactly one key wins', async () => {
    const setup = await handle();
    const f = await blockFixture(setup);
    const [a, b] = [await handle(GOOD), await handle(WRONG)];
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => create(i % 2 ? a : b, f, `d${i}`)),
    );
    const written = await setup.execute<{ data: unknown }>('select data from block_document');
    const kids = new Set(
      written.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data).kid as string),
    );
    expect(kids.size).toBe(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConfigurationError);
    const winner = results.filter((r) => r.status === 'fulfilled').length;
    expect(winner).toBe(written.length);
    expect(written.length).toBe(5);
  });

  it('an existing database without a recorded key adopts its documents’ key', async () => {
    const good = await handle(GOOD);
    const f = await blockFixture(good);
    await create(good, f, 'old');
    // A database written before the key was recorded.
    await good.execute("delete from configuration where key = 'block_encryption_kid'");
    await expect(create(await handle(WRONG), f, 'wrong')).rejects.toBeInstanceOf(ConfigurationError);
    await create(good, f, 'new');
    expect((await good.blockDocuments.list()).map((d) => d.name)).toEqual(['new', 'old']);
  });

  it('once every document is gone, the next writer’s key becomes the database’s', async () => {
    const good = await handle(GOOD);
    const f = await blockFixture(good);
    await create(good, f, 'old');
    await good.execute('delete from block_document');
    const other = await handle(WRONG);
    await create(other, f, 'new');
    await expect(create(good, f, 'refused')).rejects.toBeInstanceOf(ConfigurationError);
    expect((await other.blockDocuments.list()).map((d) => d.name)).toEqual(['new']);
  });
});

describe('the kid error names where the key came from', () => {
  it('option, environment variable, profile', () => {
    expect(describeKeyOrigin({ source: 'option', name: null })).toBe('the key from the encryptionKey option');
    expect(describeKeyOrigin({ source: 'env', name: 'ORION_DATABASE_ENCRYPTION_KEY' })).toBe(
      'the key from the environment variable ORION_DATABASE_ENCRYPTION_KEY',
    );
    expect(
      describeKeyOrigin({
        source: 'profile',
        name: 'ORION_DATABASE_ENCRYPTION_KEY',
        profile: 'prod',
        file: '/home/me/.orion/profiles.toml',
      }),
    ).toBe('the key from ORION_DATABASE_ENCRYPTION_KEY in profile "prod" (/home/me/.orion/profiles.toml)');
  });
});
