import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  type Database,
  NotFoundError,
  ValidationError,
  computeBlockSchemaChecksum,
} from '../../../src/index.js';
import { createTestDatabase } from '../../../src/testing/index.js';
import { DIALECTS } from '../../support/dialects.js';

describe.each(DIALECTS)('block types and schemas (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it('upserts types by slug, reads, lists by name and slug, deletes; protected types refuse', async () => {
    const a = await db.blockTypes.upsert({
      slug: 'aws-credentials',
      name: 'AWS Credentials',
      logoUrl: 'https://x/l.png',
    });
    expect(a).toMatchObject({ slug: 'aws-credentials', name: 'AWS Credentials', isProtected: false });
    const again = await db.blockTypes.upsert({
      slug: 'aws-credentials',
      name: 'AWS Creds',
      description: 'keys',
    });
    expect(again).toMatchObject({
      id: a.id,
      name: 'AWS Creds',
      logoUrl: 'https://x/l.png',
      description: 'keys',
    });
    const secret = await db.blockTypes.upsert({ slug: 'secret', name: 'Secret', isProtected: true });
    expect(await db.blockTypes.get(a.id)).toMatchObject({ name: 'AWS Creds' });
    expect((await db.blockTypes.getBySlug('secret'))?.id).toBe(secret.id);
    expect(await db.blockTypes.getBySlug('nope')).toBeNull();
    expect((await db.blockTypes.list()).map((t) => t.slug)).toEqual(['aws-credentials', 'secret']);
    expect((await db.blockTypes.list({ where: { name: { like: 'CRED' } } })).map((t) => t.slug)).toEqual([
      'aws-credentials',
    ]);
    expect((await db.blockTypes.list({ where: { name: { like: '%' } } })).length).toBe(0);
    expect((await db.blockTypes.list({ where: { slug: { any: ['secret'] } } })).map((t) => t.id)).toEqual([
      secret.id,
    ]);
    expect((await db.blockTypes.list({ limit: 1, offset: 1 })).map((t) => t.slug)).toEqual(['secret']);
    const refused = await db.blockTypes.delete(secret.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ entity: 'block type', constraint: 'protected' });
    await db.blockTypes.delete(a.id);
    await expect(db.blockTypes.delete(a.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.blockTypes.upsert({ slug: '', name: 'x' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('checksums ignore key order, see secret_fields, and make create idempotent per version', async () => {
    const type = await db.blockTypes.upsert({ slug: 'db', name: 'Database' });
    const fields = { title: 'DB', properties: { user: { type: 'string' }, password: { type: 'string' } } };
    const reordered = { properties: { password: { type: 'string' }, user: { type: 'string' } }, title: 'DB' };
    expect(computeBlockSchemaChecksum(fields)).toBe(computeBlockSchemaChecksum(reordered));
    expect(computeBlockSchemaChecksum(fields)).toMatch(/^sha256:[0-9a-f]{64}$/);
    const secret = { ...fields, secret_fields: ['password'] };
    expect(computeBlockSchemaChecksum(secret)).not.toBe(computeBlockSchemaChecksum(fields));

    const s1 = await db.blockSchemas.create({ blockTypeId: type.id, fields, capabilities: ['connect'] });
    expect(s1).toMatchObject({ checksum: computeBlockSchemaChecksum(fields), version: 'non-versioned' });
    // Stored verbatim: key order as given.
    expect(JSON.stringify((await db.blockSchemas.get(s1.id))!.fields)).toBe(JSON.stringify(fields));
    expect((await db.blockSchemas.create({ blockTypeId: type.id, fields: reordered })).id).toBe(s1.id);
    const v2 = await db.blockSchemas.create({ blockTypeId: type.id, fields, version: '2.0' });
    expect(v2.id).not.toBe(s1.id);
    const s2 = await db.blockSchemas.create({
      blockTypeId: type.id,
      fields: secret,
      capabilities: ['connect', 'x'],
    });
    expect(s2.id).not.toBe(s1.id);
    expect((await db.blockSchemas.getByChecksum(s1.checksum))?.id).toBe(s1.id);
    expect((await db.blockSchemas.getByChecksum(s1.checksum, '2.0'))?.id).toBe(v2.id);
    expect(await db.blockSchemas.getByChecksum(s1.checksum, '3.0')).toBeNull();
    expect(
      (await db.blockSchemas.list({ where: { capabilities: { all: ['connect', 'x'] } } })).map((s) => s.id),
    ).toEqual([s2.id]);
    expect((await db.blockSchemas.list({ where: { version: { any: ['2.0'] } } })).map((s) => s.id)).toEqual([
      v2.id,
    ]);
    expect(await db.blockSchemas.list({ where: { blockTypeId: { any: [type.id] } } })).toHaveLength(3);
    await db.blockSchemas.delete(v2.id);
    await expect(db.blockSchemas.delete(v2.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      db.blockSchemas.create({ blockTypeId: crypto.randomUUID(), fields: { other: 1 } }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('registers nested schemas from fields.block_schema_references', async () => {
    const creds = await db.blockTypes.upsert({ slug: 'aws-credentials', name: 'AWS Credentials' });
    const bucket = await db.blockTypes.upsert({ slug: 's3-bucket', name: 'S3 Bucket' });
    const inner = await db.blockSchemas.create({ blockTypeId: creds.id, fields: { secret_fields: ['key'] } });
    const outer = await db.blockSchemas.create({
      blockTypeId: bucket.id,
      fields: {
        block_schema_references: {
          credentials: { block_type_slug: 'aws-credentials', block_schema_checksum: inner.checksum },
        },
      },
    });
    const refs = await db.execute<{ name: string; parent: string; ref: string }>(
      'select name, parent_block_schema_id as parent, reference_block_schema_id as ref from block_schema_reference',
    );
    expect(refs).toEqual([{ name: 'credentials', parent: outer.id, ref: inner.id }]);
    const missing = await db.blockSchemas
      .create({
        blockTypeId: bucket.id,
        fields: {
          block_schema_references: {
            credentials: { block_type_slug: 's3-bucket', block_schema_checksum: inner.checksum },
          },
        },
      })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(String((missing as Error).message)).toMatch(/credentials/);
    const bad = await db.blockSchemas
      .create({ blockTypeId: bucket.id, fields: { secret_fields: ['a..b'] } })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as Error).message).toContain('fields.secret_fields[0]');
    expect(await db.blockSchemas.list()).toHaveLength(2);
  });
});
