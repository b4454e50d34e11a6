/**
 * Block data at rest (issue 10 "Done means"): nothing of a document is in plain text in the stored
 * row, in a dump of the table or in the SQLite file (WAL included); keys in every accepted form;
 * a wrong key is a ConfigurationError naming the kid, never garbage; rotation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  type Database,
  DatabaseError,
  SECRET_MASK,
  ValidationError,
  generateEncryptionKey,
} from '../../../src/index.js';
import { keyId } from '../../../src/repositories/blocks/encryption.js';
import { DIALECTS } from '../../support/dialects.js';
import { blockFixture, sharedHandles } from './support.js';

const SECRET = 'sup3r-s3cret-Passw0rd';
const PLAIN = 'visible-user-name-4711';
const PASSPHRASE = 'correct horse battery staple';

/** Every place a secret could leak to in an error. */
function errorText(error: unknown): string {
  const e = error as Error & { issues?: unknown; cause?: unknown };
  return `${e?.message} ${e?.stack} ${JSON.stringify(e?.issues ?? null)} ${String(e?.cause ?? '')}`;
}

describe.each(DIALECTS)('block data at rest (%s)', (dialect) => {
  const { handle, shared: current } = sharedHandles(dialect);

  const write = async (db: Database, name = 'prod') => {
    const f = await blockFixture(db);
    return db.blockDocuments.create({
      name,
      blockTypeId: f.typeId,
      blockSchemaId: f.schemaId,
      data: { user: PLAIN, password: SECRET, port: 5432.25 },
    });
  };

  it('stores neither secret nor non-secret values in plain text: row, dump and file bytes', async () => {
    const key = generateEncryptionKey();
    const db = await handle(key);
    const doc = await write(db);
    await db.blockDocuments.update(doc.id, { data: { password: SECRET, user: PLAIN } });
    const rows = await db.execute('select * from block_document');
    const dump = JSON.stringify(rows);
    expect(dump).toContain(doc.id);
    for (const value of [SECRET, PLAIN, '5432.25', key]) expect(dump).not.toContain(value);
    const stored = rows[0]!.data;
    const envelope = typeof stored === 'string' ? JSON.parse(stored) : stored;
    expect(Object.keys(envelope).sort()).toEqual(['ct', 'iv', 'kid', 'tag', 'v']);
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    const everything = JSON.stringify(await db.execute('select * from configuration'));
    expect(everything).not.toContain(key);
    if (dialect === 'postgresql') {
      // What pg_dump would print: the row's text form.
      const text = await db.execute<{ t: string }>('select t::text as t from block_document t');
      for (const value of [SECRET, PLAIN]) expect(text[0]!.t).not.toContain(value);
    } else {
      const bytes = Buffer.concat(
        ['', '-wal']
          .map((suffix) => `${current().file}${suffix}`)
          .filter(existsSync)
          .map((p) => readFileSync(p)),
      );
      // The scan sees what is stored in clear (the type's name, the document's id): it would see a leak.
      expect(bytes.includes(Buffer.from('Type db-creds'))).toBe(true);
      expect(bytes.includes(Buffer.from(doc.id))).toBe(true);
      for (const value of [SECRET, PLAIN, key]) expect(bytes.includes(Buffer.from(value))).toBe(false);
    }
  });

  it('a fresh nonce per write: the same data encrypts differently every time', async () => {
    const db = await handle(generateEncryptionKey());
    const doc = await write(db);
    const envelope = async () => {
      const [row] = await db.execute<{ data: unknown }>('select data from block_document');
      return typeof row!.data === 'string' ? JSON.parse(row!.data) : row!.data;
    };
    const first = await envelope();
    await db.blockDocuments.update(doc.id, { data: {} });
    const second = await envelope();
    expect(second.kid).toBe(first.kid);
    expect(second.iv).not.toBe(first.iv);
    expect(second.ct).not.toBe(first.ct);
  });

  it('hex and base64 of the same 32 bytes are one key; another key is a ConfigurationError naming the kid', async () => {
    const bytes = Buffer.from(generateEncryptionKey(), 'base64');
    const writer = await handle(bytes.toString('hex'));
    const doc = await write(writer);
    const reader = await handle(bytes.toString('base64'));
    expect((await reader.blockDocuments.get(doc.id, { includeSecrets: true }))!.data.password).toBe(SECRET);
    const wrongKey = generateEncryptionKey();
    const wrong = await handle(wrongKey);
    const [row] = await writer.execute<{ data: unknown }>('select data from block_document');
    const kid = (typeof row!.data === 'string' ? JSON.parse(row!.data) : row!.data).kid;
    for (const call of [
      () => wrong.blockDocuments.get(doc.id),
      () => wrong.blockDocuments.list(),
      () => wrong.blockDocuments.update(doc.id, { data: { user: 'x' } }),
      () => wrong.blockDocuments.rotateEncryptionKey(generateEncryptionKey()),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain(kid);
      for (const value of [SECRET, PLAIN, wrongKey, bytes.toString('hex'), bytes.toString('base64')])
        expect(errorText(error)).not.toContain(value);
    }
    // Nothing changed: the writer still reads it.
    expect((await writer.blockDocuments.get(doc.id, { includeSecrets: true }))!.data.user).toBe(PLAIN);
  });

  it('a passphrase is stretched with scrypt and a random salt kept in configuration', async () => {
    const db = await handle(PASSPHRASE);
    const doc = await write(db);
    const config = await db.execute<{ key: string; value: unknown }>('select key, value from configuration');
    expect(config.map((r) => r.key).sort()).toEqual(['block_encryption_kid', 'block_encryption_salt']);
    expect(JSON.stringify(config)).not.toContain('correct horse');
    const again = await handle(PASSPHRASE);
    expect((await again.blockDocuments.get(doc.id, { includeSecrets: true }))!.data.password).toBe(SECRET);
    const other = await handle(`${PASSPHRASE}!`);
    const error = await other.blockDocuments.get(doc.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(errorText(error)).not.toContain(PASSPHRASE);
  });

  it('without a key setting, a key is generated on first use and kept in configuration', async () => {
    const db = await handle();
    expect(await db.execute('select key from configuration')).toEqual([]);
    const doc = await write(db);
    expect(
      (await db.execute<{ key: string }>('select key from configuration')).map((r) => r.key).sort(),
    ).toEqual(['block_encryption_key', 'block_encryption_kid']);
    const other = await handle();
    expect((await other.blockDocuments.get(doc.id, { includeSecrets: true }))!.data.password).toBe(SECRET);
    await expect((await handle(generateEncryptionKey())).blockDocuments.get(doc.id)).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });

  it('rotation with the key in configuration: stored in the same transaction, old key refused after', async () => {
    const db = await handle();
    const doc = await write(db);
    await write(db, 'second');
    const [old] = await db.execute<{ value: unknown }>(
      "select value from configuration where key = 'block_encryption_key'",
    );
    const oldKey = (typeof old!.value === 'string' ? JSON.parse(old!.value) : old!.value).key as string;
    const next = generateEncryptionKey();
    const result = await db.blockDocuments.rotateEncryptionKey(next);
    expect(result).toMatchObject({ documents: 2, keySource: 'configuration' });
    // The new key alone opens every document; the old one none.
    for (const reader of [db, await handle(), await handle(next)])
      expect((await reader.blockDocuments.get(doc.id, { includeSecrets: true }))!.data.password).toBe(SECRET);
    const stale = await handle(oldKey);
    await expect(stale.blockDocuments.get(doc.id)).rejects.toBeInstanceOf(ConfigurationError);
    await expect(stale.blockDocuments.list()).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('rotation with a setting key: nothing stored; other processes fail with the kid error until they get it', async () => {
    const oldKey = generateEncryptionKey();
    const db = await handle(oldKey);
    const doc = await write(db);
    const result = await db.blockDocuments.rotateEncryptionKey(PASSPHRASE);
    expect(result).toMatchObject({ documents: 1, keySource: 'setting' });
    // Only the salt and the key's id: never the key.
    expect(
      (await db.execute<{ key: string }>('select key from configuration')).map((r) => r.key).sort(),
    ).toEqual(['block_encryption_kid', 'block_encryption_salt']);
    // This handle goes on with the new key.
    await db.blockDocuments.update(doc.id, { data: { user: 'after' } });
    expect((await db.blockDocuments.get(doc.id))!.data).toEqual({
      user: 'after',
      password: SECRET_MASK,
      port: 5432.25,
    });
    const error = await (await handle(oldKey)).blockDocuments.get(doc.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(result.kid);
    expect(errorText(error)).not.toContain(oldKey);
    expect(
      (await (await handle(PASSPHRASE)).blockDocuments.get(doc.id, { includeSecrets: true }))!.data.password,
    ).toBe(SECRET);
  });

  it('a setting-key rotation in a caller transaction: rolled back (or its nested one), the handle stays on the old key; committed, the transaction goes on with the new one', async () => {
    const oldKey = generateEncryptionKey();
    const db = await handle(oldKey);
    const doc = await write(db);
    const undo = new Error('undo');
    // Rolled back with the caller's transaction, then with a nested transaction inside one that commits.
    await expect(
      db.transaction(async (tx) => {
        await tx.blockDocuments.rotateEncryptionKey(generateEncryptionKey());
        throw undo;
      }),
    ).rejects.toBe(undo);
    await db.transaction(async (tx) => {
      await tx
        .transaction(async (inner) => {
          await inner.blockDocuments.rotateEncryptionKey(generateEncryptionKey());
          throw undo;
        })
        .catch(() => undefined);
    });
    // This handle still writes with the old key: a handle opened with it reads what it wrote.
    await db.blockDocuments.update(doc.id, { data: { user: 'after' } });
    await write(db, 'later');
    const reopened = await handle(oldKey);
    expect((await reopened.blockDocuments.get(doc.id))!.data.user).toBe('after');
    expect((await reopened.blockDocuments.list()).map((d) => d.name).sort()).toEqual(['later', 'prod']);
    // Committed inside a caller's transaction: the rest of the transaction reads and writes with the
    // new key, a second rotation included (a fresh user's read after the rotation named the old kid).
    const middle = generateEncryptionKey();
    const next = generateEncryptionKey();
    await db.transaction(async (tx) => {
      await tx.blockDocuments.rotateEncryptionKey(middle);
      expect((await tx.blockDocuments.get(doc.id, { includeSecrets: true }))!.data.password).toBe(SECRET);
      await tx.blockDocuments.update(doc.id, { data: { user: 'inside' } });
      await tx.blockDocuments.rotateEncryptionKey(next);
      expect((await tx.blockDocuments.get(doc.id))!.data.user).toBe('inside');
    });
    await write(db, 'after-rotation');
    const fresh = await handle(next);
    expect((await fresh.blockDocuments.list()).map((d) => d.name).sort()).toEqual([
      'after-rotation',
      'later',
      'prod',
    ]);
    expect((await fresh.blockDocuments.get(doc.id))!.data.user).toBe('inside');
  });

  it('a rotation that meets a document it cannot open changes nothing', async () => {
    const key = generateEncryptionKey();
    const a = await handle(key);
    await write(a);
    const bKey = generateEncryptionKey();
    const b = await handle(bKey);
    const f = await blockFixture(b, 'other');
    // A database mixed before the key was recorded: b's write let through by pointing the
    // recorded kid at b's key for it, then put back.
    const setKid = (kid: string) =>
      a.execute(`update configuration set value = '{"kid":"${kid}"}' where key = 'block_encryption_kid'`);
    await setKid(keyId(Buffer.from(bKey, 'base64')));
    await b.blockDocuments.create({
      name: 'b',
      blockTypeId: f.typeId,
      blockSchemaId: f.schemaId,
      data: { x: 1 },
    });
    await setKid(keyId(Buffer.from(key, 'base64')));
    const before = await a.execute('select id, data from block_document order by id');
    await expect(a.blockDocuments.rotateEncryptionKey(generateEncryptionKey())).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    expect(await a.execute('select id, data from block_document order by id')).toEqual(before);
    await expect(a.blockDocuments.rotateEncryptionKey('')).rejects.toBeInstanceOf(ValidationError);
  });

  it('a ciphertext moved to another row does not decrypt there (the id is authenticated)', async () => {
    const db = await handle(generateEncryptionKey());
    const one = await write(db, 'one');
    const two = await write(db, 'two');
    await db.execute(
      `update block_document set data = (select data from block_document where id = '${one.id}') where id = '${two.id}'`,
    );
    const error = await db.blockDocuments.get(two.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(errorText(error)).not.toContain(SECRET);
    expect((await db.blockDocuments.get(one.id, { includeSecrets: true }))!.data.password).toBe(SECRET);
  });
});
