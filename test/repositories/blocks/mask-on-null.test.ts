/**
 * The mask sent onto a secret path whose stored value is null (docs/blocks.md "Secrets": the mask
 * anywhere nothing secret is stored is a ValidationError), on both dialects: a top-level field, a
 * nested path, a list element's field and a wildcard key. Each refusal names the path and writes
 * nothing. Found in a fresh-user trial: the mask was taken for a read sent back and the null kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, SECRET_MASK, ValidationError } from '../../../src/index.js';
import { createTestDatabase } from '../../../src/testing/index.js';
import { DIALECTS } from '../../support/dialects.js';
import { blockFixture } from './support.js';

describe.each(DIALECTS)('the mask where a null secret is stored (%s)', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterAll(async () => {
    await db.close();
  });

  it('a secret field stored as null: the mask is a ValidationError naming it, the null stays', async () => {
    const type = await db.blockTypes.upsert({ slug: 'top-null', name: 'Top null' });
    const schema = await db.blockSchemas.create({ blockTypeId: type.id, fields: { secret_fields: ['top'] } });
    const doc = await db.blockDocuments.create({
      name: 'top-null',
      blockTypeId: type.id,
      blockSchemaId: schema.id,
      data: { top: null },
    });
    const error = await db.blockDocuments.update(doc.id, { data: { top: SECRET_MASK } }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('data.top');
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data).toEqual({ top: null });
  });

  const stored = {
    password: 'kept',
    nested: { secret: null, other: 1 },
    tokens: [{ token: 't0' }, { token: null }],
    vault: { a: 'va', b: null },
  };
  const cases: [string, Record<string, unknown>, string][] = [
    ['a nested secret', { nested: { secret: SECRET_MASK, other: 1 } }, 'data.nested.secret'],
    [
      "a list element's secret",
      { tokens: [{ token: SECRET_MASK }, { token: SECRET_MASK }] },
      'data.tokens[1].token',
    ],
    ['a wildcard secret key', { vault: { a: SECRET_MASK, b: SECRET_MASK } }, 'data.vault.b'],
  ];
  it.each(cases)('%s stored as null: the mask there is refused, nothing written', async (_, data, where) => {
    const fixture = await blockFixture(db, `nulls-${where.replace(/\W/g, '-')}`);
    const doc = await db.blockDocuments.create({
      name: 'nulls',
      blockTypeId: fixture.typeId,
      blockSchemaId: fixture.schemaId,
      data: stored,
    });
    const error = await db.blockDocuments.update(doc.id, { data }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain(where);
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data).toEqual(stored);
    // The masked read sent back whole (nulls read as null) still keeps every secret.
    const masked = (await db.blockDocuments.get(doc.id))!.data;
    await db.blockDocuments.update(doc.id, { data: masked, mergeExistingData: false });
    expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))!.data).toEqual(stored);
  });
});
