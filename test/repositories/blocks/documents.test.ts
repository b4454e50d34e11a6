import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  type Database,
  NotFoundError,
  SECRET_MASK,
  ValidationError,
} from '../../../src/index.js';
import { createTestDatabase } from '../../../src/testing/index.js';
import { DIALECTS } from '../../support/dialects.js';
import { type BlockFixture, blockFixture } from './support.js';

describe.each(DIALECTS)('block documents (%s)', (dialect) => {
  let db: Database;
  let f: BlockFixture;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    f = await blockFixture(db);
  });
  afterEach(async () => {
    await db.close();
  });
  const create = (name: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    db.blockDocuments.create({ name, blockTypeId: f.typeId, blockSchemaId: f.schemaId, data, ...extra });

  it('the example of docs/blocks.md', async () => {
    const type = await db.blockTypes.upsert({ slug: 'postgres-credentials', name: 'Postgres Credentials' });
    const schema = await db.blockSchemas.create({
      blockTypeId: type.id,
      fields: { title: 'Postgres', properties: { user: {}, password: {} }, secret_fields: ['password'] },
    });
    const doc = await db.blockDocuments.create({
      name: 'prod',
      blockTypeId: type.id,
      blockSchemaId: schema.id,
      data: { user: 'etl', password: 's3cr3t' },
    });
    expect((await db.blockDocuments.get(doc.id))!.data).toEqual({ user: 'etl', password: '********' });
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data).toEqual({
      user: 'etl',
      password: 's3cr3t',
    });
    await db.blockDocuments.update(doc.id, { data: { user: 'etl2', password: '********' } });
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data).toEqual({
      user: 'etl2',
      password: 's3cr3t',
    });
  });

  it('creates, reads masked and with secrets, finds by name, lists, counts, deletes', async () => {
    const data = {
      user: 'etl',
      password: 'hunter2',
      nested: { secret: { deep: [1, 2] }, open: 'visible' },
      tokens: [
        { token: 't-1', id: 1 },
        { token: null, id: 2 },
      ],
      vault: { a: 'va', b: 'vb' },
    };
    const doc = await create('prod', data);
    const masked = {
      user: 'etl',
      password: SECRET_MASK,
      nested: { secret: SECRET_MASK, open: 'visible' },
      tokens: [
        { token: SECRET_MASK, id: 1 },
        { token: null, id: 2 },
      ],
      vault: { a: SECRET_MASK, b: SECRET_MASK },
    };
    expect(doc).toMatchObject({
      name: 'prod',
      isAnonymous: false,
      blockTypeName: 'Type db-creds',
      data: masked,
    });
    expect((await db.blockDocuments.get(doc.id))!.data).toEqual(masked);
    const full = (await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data;
    expect(JSON.stringify(full)).toBe(JSON.stringify(data));
    expect((await db.blockDocuments.getByName('db-creds', 'prod'))!.id).toBe(doc.id);
    expect(
      (await db.blockDocuments.getByName('db-creds', 'prod', { includeSecrets: true }))!.data.password,
    ).toBe('hunter2');
    expect(await db.blockDocuments.getByName('db-creds', 'nope')).toBeNull();
    expect(await db.blockDocuments.getByName('no-type', 'prod')).toBeNull();

    const anon = await db.blockDocuments.create({
      blockTypeId: f.typeId,
      blockSchemaId: f.plainSchemaId,
      data: { password: 'plain-schema' },
      isAnonymous: true,
    });
    expect(anon.name).toBe(`anonymous-${anon.id}`);
    expect(anon.data).toEqual({ password: 'plain-schema' });
    await create('dev', { user: 'dev' });
    expect((await db.blockDocuments.list()).map((d) => d.name)).toEqual(['dev', 'prod']);
    expect((await db.blockDocuments.list({ where: { isAnonymous: true } })).map((d) => d.id)).toEqual([
      anon.id,
    ]);
    expect((await db.blockDocuments.list({ where: { name: { like: 'RO' } } })).map((d) => d.name)).toEqual([
      'prod',
    ]);
    expect(await db.blockDocuments.list({ where: { blockTypeSlug: { any: ['other'] } } })).toEqual([]);
    expect((await db.blockDocuments.list({ limit: 1, offset: 1 })).map((d) => d.name)).toEqual(['prod']);
    const listed = await db.blockDocuments.list({ includeSecrets: true, where: { name: { any: ['prod'] } } });
    expect(listed[0]!.data.password).toBe('hunter2');
    expect((await db.blockDocuments.list({ where: { name: { any: ['prod'] } } }))[0]!.data.password).toBe(
      SECRET_MASK,
    );
    expect(await db.blockDocuments.count()).toBe(2);
    expect(await db.blockDocuments.count({ where: { isAnonymous: true } })).toBe(1);
    await db.blockSchemas.create({ blockTypeId: f.typeId, fields: { x: 1 }, capabilities: ['read'] });
    expect(
      await db.blockDocuments.count({ where: { blockSchema: { capabilities: { all: ['read'] } } } }),
    ).toBe(0);

    await expect(create('prod', { user: 'again' })).rejects.toBeInstanceOf(ConflictError);
    await db.blockDocuments.delete(doc.id);
    expect(await db.blockDocuments.get(doc.id)).toBeNull();
    await expect(db.blockDocuments.delete(doc.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('update merges by default, replaces without merging, and keeps a secret sent back masked', async () => {
    const doc = await create('prod', { user: 'etl', password: 'hunter2', tokens: [{ token: 'tk' }] });
    const read = (await db.blockDocuments.get(doc.id))!;
    // Sending the whole masked read back changes nothing secret.
    await db.blockDocuments.update(doc.id, { data: { ...read.data, user: 'etl2' } });
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data).toEqual({
      user: 'etl2',
      password: 'hunter2',
      tokens: [{ token: 'tk' }],
    });
    await db.blockDocuments.update(doc.id, { data: { extra: true } });
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data).toEqual({
      user: 'etl2',
      password: 'hunter2',
      tokens: [{ token: 'tk' }],
      extra: true,
    });
    await db.blockDocuments.update(doc.id, {
      data: { password: SECRET_MASK, user: 'x' },
      mergeExistingData: false,
    });
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data).toEqual({
      password: 'hunter2',
      user: 'x',
    });
    await db.blockDocuments.update(doc.id, { data: { password: 'new' } });
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data.password).toBe('new');
    // The mask where no secret is stored would destroy a secret silently: refused, nothing written.
    const before = (await db.blockDocuments.get(doc.id, { includeSecrets: true }))!;
    for (const data of [{ user: SECRET_MASK }, { tokens: [{ token: SECRET_MASK }] }]) {
      const error = await db.blockDocuments.update(doc.id, { data }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/data\.(user|tokens\[0\]\.token)/);
    }
    expect(await db.blockDocuments.get(doc.id, { includeSecrets: true })).toEqual(before);
    // Moving to the schema without secrets shows everything.
    await db.blockDocuments.update(doc.id, { data: {}, blockSchemaId: f.plainSchemaId });
    expect((await db.blockDocuments.get(doc.id))!.data.password).toBe('new');
    await expect(db.blockDocuments.update(crypto.randomUUID(), { data: {} })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('references: nested data on read with nested secrets masked, delete of a referenced document refused', async () => {
    const other = await blockFixture(db, 'aws');
    const inner = await db.blockDocuments.create({
      name: 'inner',
      blockTypeId: other.typeId,
      blockSchemaId: other.schemaId,
      data: { password: 'inner-secret', region: 'eu' },
    });
    const outer = await create('outer', {
      password: 'outer-secret',
      creds: { $ref: { block_document_id: inner.id } },
    });
    expect(outer.data).toEqual({ password: SECRET_MASK, creds: { password: SECRET_MASK, region: 'eu' } });
    expect(outer.blockDocumentReferences).toEqual({ creds: inner.id });
    expect((await db.blockDocuments.get(outer.id, { includeSecrets: true }))!.data).toEqual({
      password: 'outer-secret',
      creds: { password: 'inner-secret', region: 'eu' },
    });
    const refused = await db.blockDocuments.delete(inner.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ entity: 'block document' });
    // Deleting the type of the referenced document is refused the same way; nothing is deleted.
    await expect(db.blockTypes.delete(other.typeId)).rejects.toBeInstanceOf(ConflictError);
    expect(await db.blockDocuments.get(inner.id)).not.toBeNull();
    // Dropping the reference (merge keeps other fields) frees it.
    await db.blockDocuments.update(outer.id, { data: { creds: 'none' } });
    await db.blockDocuments.delete(inner.id);
    // A missing referenced document is a NotFoundError.
    await expect(create('dangling', { x: { $ref: { block_document_id: inner.id } } })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(create('bad-ref', { x: { $ref: 'nope' } })).rejects.toBeInstanceOf(ValidationError);
    // Deleting the parent deletes its reference rows and leaves the child.
    expect(await db.blockDocuments.count()).toBe(1);
  });

  it('deleting a type or schema takes references among its own documents with it', async () => {
    const leaf = await create('leaf', { password: 'x' });
    await create('top', { child: { $ref: { block_document_id: leaf.id } } });
    const other = await blockFixture(db, 'other');
    const outside = await db.blockDocuments.create({
      name: 'outside',
      blockTypeId: other.typeId,
      blockSchemaId: other.schemaId,
      data: { uses: { $ref: { block_document_id: leaf.id } } },
    });
    // A document of another type still references leaf: refused, nothing deleted.
    await expect(db.blockSchemas.delete(f.schemaId)).rejects.toBeInstanceOf(ConflictError);
    await expect(db.blockTypes.delete(f.typeId)).rejects.toBeInstanceOf(ConflictError);
    expect(await db.blockDocuments.count()).toBe(3);
    expect(await db.execute('select * from block_document_reference')).toHaveLength(2);
    await db.blockDocuments.delete(outside.id);
    await db.blockSchemas.delete(f.schemaId);
    expect(await db.blockDocuments.count()).toBe(0);
    const again = await blockFixture(db, 'again');
    const a = await db.blockDocuments.create({
      name: 'a',
      blockTypeId: again.typeId,
      blockSchemaId: again.schemaId,
      data: {},
    });
    await db.blockDocuments.create({
      name: 'b',
      blockTypeId: again.typeId,
      blockSchemaId: again.plainSchemaId,
      data: { a: { $ref: { block_document_id: a.id } } },
    });
    await db.blockTypes.delete(again.typeId);
    expect(await db.execute('select * from block_document_reference')).toEqual([]);
  });

  it('a reference cycle is refused; references nest 50 levels deep and not 51', async () => {
    const a = await create('a', { v: 1 });
    const b = await create('b', { next: { $ref: { block_document_id: a.id } } });
    const cycle = await db.blockDocuments
      .update(a.id, { data: { back: { $ref: { block_document_id: b.id } } } })
      .catch((e: unknown) => e);
    expect(cycle).toBeInstanceOf(ValidationError);
    expect((cycle as Error).message).toMatch(/cycle/);
    await expect(
      db.blockDocuments.update(a.id, { data: { self: { $ref: { block_document_id: a.id } } } }),
    ).rejects.toBeInstanceOf(ValidationError);

    // A chain: d0 ← d1 ← … ← d50 (d50 nests 50 levels).
    const chain = [await create('d0', { level: 0, password: 'p0' })];
    for (let i = 1; i <= 50; i++)
      chain.push(
        await create(`d${i}`, { level: i, next: { $ref: { block_document_id: chain[i - 1]!.id } } }),
      );
    let data = (await db.blockDocuments.get(chain[50]!.id))!.data;
    for (let i = 50; i > 0; i--) {
      expect(data.level).toBe(i);
      data = data.next as Record<string, unknown> as typeof data;
    }
    expect(data).toEqual({ level: 0, password: SECRET_MASK });
    const tooDeep = await create('d51', { next: { $ref: { block_document_id: chain[50]!.id } } }).catch(
      (e: unknown) => e,
    );
    expect(tooDeep).toBeInstanceOf(ValidationError);
    expect((tooDeep as Error).message).toMatch(/51 levels/);
    // Growing the chain from below is refused too (d0 would gain a level under all 50 above it).
    await expect(
      db.blockDocuments.update(chain[0]!.id, { data: { more: { $ref: { block_document_id: a.id } } } }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await db.blockDocuments.getByName('db-creds', 'd51')).toBeNull();
  });
});
