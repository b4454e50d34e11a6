/**
 * Edges found trying the package as a user (both dialects): a rename racing document creates, the
 * same fields under two types, null documents, concurrent deletes, keys with whitespace, a blank
 * rotation key.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError, generateEncryptionKey } from '../../../src/index.js';
import { DIALECTS } from '../../support/dialects.js';
import { sharedHandles } from './support.js';

describe.each(DIALECTS)('block edges from a trial (%s)', (dialect) => {
  const { handle } = sharedHandles(dialect);
  const key = generateEncryptionKey();

  it('documents created while their type is renamed all carry the new name', async () => {
    const dbs = await Promise.all([handle(key), handle(key), handle(key)]);
    const type = await dbs[0]!.blockTypes.upsert({ slug: 'creds', name: 'Old' });
    const schema = await dbs[0]!.blockSchemas.create({ blockTypeId: type.id, fields: { properties: {} } });
    const creates = Array.from({ length: 9 }, (_, i) =>
      dbs[(i % 2) + 1]!.blockDocuments.create({
        name: `d${i}`,
        blockTypeId: type.id,
        blockSchemaId: schema.id,
        data: { i },
      }),
    );
    await Promise.all([...creates, dbs[0]!.blockTypes.upsert({ slug: 'creds', name: 'New' })]);
    const docs = await dbs[0]!.blockDocuments.list();
    expect(docs).toHaveLength(9);
    expect(new Set(docs.map((d) => d.blockTypeName))).toEqual(new Set(['New']));
  });

  it("the same fields under another type are a ConflictError, never the other type's schema", async () => {
    const db = await handle(key);
    const a = await db.blockTypes.upsert({ slug: 'a', name: 'A' });
    const b = await db.blockTypes.upsert({ slug: 'b', name: 'B' });
    const fields = { properties: {} };
    const schemaA = await db.blockSchemas.create({ blockTypeId: a.id, fields, capabilities: ['a'] });
    expect(await db.blockSchemas.create({ blockTypeId: a.id, fields })).toMatchObject({ id: schemaA.id });
    const error = await db.blockSchemas.create({ blockTypeId: b.id, fields }).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(/different version/);
    const schemaB = await db.blockSchemas.create({ blockTypeId: b.id, fields, version: 'b-1' });
    expect(schemaB).toMatchObject({ blockTypeId: b.id });
  });

  it('null fields or data are a ValidationError, not a TypeError', async () => {
    const db = await handle(key);
    const type = await db.blockTypes.upsert({ slug: 'n', name: 'N' });
    const schema = await db.blockSchemas.create({ blockTypeId: type.id, fields: {} });
    const nothing = null as any; // what an HTTP body may carry
    await expect(db.blockSchemas.create({ blockTypeId: type.id, fields: nothing })).rejects.toThrow(
      ValidationError,
    );
    await expect(
      db.blockDocuments.create({ blockTypeId: type.id, blockSchemaId: schema.id, data: nothing }),
    ).rejects.toThrow(/data: must be a JSON object/);
  });

  it('of concurrent deletes of one block type exactly one succeeds; the others are NotFoundError', async () => {
    const dbs = await Promise.all([handle(key), handle(key)]);
    const type = await dbs[0]!.blockTypes.upsert({ slug: 'gone', name: 'Gone' });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => dbs[i % 2]!.blockTypes.delete(type.id)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(NotFoundError);
  });

  it('a key with whitespace around it is the same key; a blank rotation key is refused', async () => {
    const db = await handle(key);
    const type = await db.blockTypes.upsert({ slug: 'k', name: 'K' });
    const schema = await db.blockSchemas.create({ blockTypeId: type.id, fields: {} });
    const doc = await db.blockDocuments.create({
      name: 'd',
      blockTypeId: type.id,
      blockSchemaId: schema.id,
      data: { v: 1 },
    });
    const padded = await handle(` ${key}\n`);
    expect((await padded.blockDocuments.get(doc.id))?.data).toEqual({ v: 1 });
    await expect(db.blockDocuments.rotateEncryptionKey('   ')).rejects.toBeInstanceOf(ValidationError);
  });
});
