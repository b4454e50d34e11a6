/**
 * Bad input on every block method: a typed error, the database unchanged, and no secret in the
 * error (message, issues, stack).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  type Database,
  NotFoundError,
  type OrionDbError,
  SECRET_MASK,
  ValidationError,
} from '../../../src/index.js';
import { createTestDatabase } from '../../../src/testing/index.js';
import { DIALECTS } from '../../support/dialects.js';
import { dumpAll } from '../../validation/support/harness.js';
import { type BlockFixture, blockFixture } from './support.js';

const NUL = 'bad\0name';
const MISSING = '0190a1b2-c3d4-7e5f-8a9b-000000000000';
/** 651 characters, 2,604 bytes: over the 2,600-byte cap of a slug, within 1,024 characters. */
const LONG = '😀'.repeat(651);
/** 1,304 bytes: over the 1,300-byte cap of a document name and a type name. */
const SHARED_LONG = '😀'.repeat(326);
const SECRET = 'hunter2-do-not-print';
type ErrorClass = new (...args: never[]) => OrionDbError;

describe.each(DIALECTS)('blocks refuse bad input with a typed error and nothing written (%s)', (dialect) => {
  let db: Database;
  let f: BlockFixture;
  let docId: string;
  let innerId: string;
  let protectedTypeId: string;
  let otherSchemaId: string;
  let other: BlockFixture;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
    f = await blockFixture(db);
    other = await blockFixture(db, 'other');
    otherSchemaId = other.schemaId;
    protectedTypeId = (await db.blockTypes.upsert({ slug: 'locked', name: 'Locked', isProtected: true })).id;
    innerId = (
      await db.blockDocuments.create({
        name: 'inner',
        blockTypeId: f.typeId,
        blockSchemaId: f.schemaId,
        data: { password: SECRET },
      })
    ).id;
    docId = (
      await db.blockDocuments.create({
        name: 'doc',
        blockTypeId: f.typeId,
        blockSchemaId: f.schemaId,
        data: { password: SECRET, inner: { $ref: { block_document_id: innerId } } },
      })
    ).id;
    // A document of another type references inner too: deleting inner's type or schema is refused.
    await db.blockDocuments.create({
      name: 'outside',
      blockTypeId: other.typeId,
      blockSchemaId: other.schemaId,
      data: { uses: { $ref: { block_document_id: innerId } } },
    });
  });
  afterEach(async () => {
    await db.close();
  });

  const doc = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    db.blockDocuments.create({
      name: 'new',
      blockTypeId: f.typeId,
      blockSchemaId: f.schemaId,
      data,
      ...extra,
    });
  const bt = () => db.blockTypes;
  const bs = () => db.blockSchemas;
  const bd = () => db.blockDocuments;
  const cases: [string, () => Promise<unknown>, ErrorClass][] = [
    ['type upsert without a name', () => bt().upsert({ slug: 'x' } as never), ValidationError],
    ['type upsert with a NUL slug', () => bt().upsert({ slug: NUL, name: 'x' }), ValidationError],
    [
      'type upsert with a slug over its byte cap',
      () => bt().upsert({ slug: LONG, name: 'x' }),
      ValidationError,
    ],
    [
      'type upsert with a name over its byte cap',
      () => bt().upsert({ slug: 'x', name: SHARED_LONG }),
      ValidationError,
    ],
    [
      'type upsert with an unknown field',
      () => bt().upsert({ slug: 'x', name: 'x', colour: 1 } as never),
      ValidationError,
    ],
    [
      'type upsert with a wrong type',
      () => bt().upsert({ slug: 'x', name: 'x', isProtected: 'yes' } as never),
      ValidationError,
    ],
    ['type get with a malformed id', () => bt().get("1' or '1'='1"), ValidationError],
    ['type getBySlug with an empty slug', () => bt().getBySlug(''), ValidationError],
    ['type list with an unknown filter', () => bt().list({ where: { slug: 'x' } } as never), ValidationError],
    ['type list with a negative offset', () => bt().list({ offset: -1 }), ValidationError],
    ['type delete of a missing type', () => bt().delete(MISSING), NotFoundError],
    ['type delete of a protected type', () => bt().delete(protectedTypeId), ConflictError],
    ['type delete of a type whose document is referenced', () => bt().delete(f.typeId), ConflictError],
    [
      'schema create with fields not an object',
      () => bs().create({ blockTypeId: f.typeId, fields: [1] as never }),
      ValidationError,
    ],
    [
      'schema create with secret_fields not a list',
      () => bs().create({ blockTypeId: f.typeId, fields: { secret_fields: 'password' } }),
      ValidationError,
    ],
    [
      'schema create with an empty secret path',
      () => bs().create({ blockTypeId: f.typeId, fields: { secret_fields: [''] } }),
      ValidationError,
    ],
    [
      'schema create with malformed references',
      () => bs().create({ blockTypeId: f.typeId, fields: { block_schema_references: { a: 1 } } }),
      ValidationError,
    ],
    [
      'schema create with a reference to a missing schema',
      () =>
        bs().create({
          blockTypeId: f.typeId,
          fields: {
            block_schema_references: {
              a: { block_type_slug: 'db-creds', block_schema_checksum: `sha256:${'0'.repeat(64)}` },
            },
          },
        }),
      NotFoundError,
    ],
    [
      'schema create of a missing type',
      () => bs().create({ blockTypeId: MISSING, fields: { z: 1 } }),
      NotFoundError,
    ],
    [
      'schema create with a version over its cap',
      () => bs().create({ blockTypeId: f.typeId, fields: {}, version: SHARED_LONG }),
      ValidationError,
    ],
    [
      'schema create with a Map in fields',
      () => bs().create({ blockTypeId: f.typeId, fields: { m: new Map() } as never }),
      ValidationError,
    ],
    [
      'schema getByChecksum with a malformed checksum',
      () => bs().getByChecksum("sha256:' or 1=1 --"),
      ValidationError,
    ],
    [
      'schema list with capabilities not a list',
      () => bs().list({ where: { capabilities: { all: 'x' } } } as never),
      ValidationError,
    ],
    ['schema delete of a missing schema', () => bs().delete(MISSING), NotFoundError],
    ['schema delete of one whose document is referenced', () => bs().delete(f.schemaId), ConflictError],
    [
      'document create without a name',
      () => bd().create({ blockTypeId: f.typeId, blockSchemaId: f.schemaId, data: {} }),
      ValidationError,
    ],
    ['document create with a name over its cap', () => doc({}, { name: SHARED_LONG }), ValidationError],
    ['document create with a taken name', () => doc({}, { name: 'doc' }), ConflictError],
    ['document create with data not an object', () => doc('secret' as never), ValidationError],
    ['document create with a NUL in a secret', () => doc({ password: `${SECRET}\0` }), ValidationError],
    ['document create with a BigInt', () => doc({ password: 10n }), ValidationError],
    ['document create with the mask as a value', () => doc({ password: SECRET_MASK }), ValidationError],
    [
      'document create with a malformed reference',
      () => doc({ r: { $ref: { block_document_id: 'x' } } }),
      ValidationError,
    ],
    [
      'document create with extra reference keys',
      () => doc({ r: { $ref: { block_document_id: innerId }, password: SECRET } }),
      ValidationError,
    ],
    [
      'document create with a missing reference',
      () => doc({ r: { $ref: { block_document_id: MISSING } } }),
      NotFoundError,
    ],
    [
      'document create with a schema of another type',
      () => doc({}, { blockSchemaId: otherSchemaId }),
      ValidationError,
    ],
    ['document create of a missing type', () => doc({}, { blockTypeId: MISSING }), NotFoundError],
    ['document create of a missing schema', () => doc({}, { blockSchemaId: MISSING }), NotFoundError],
    ['document create with an unknown field', () => doc({}, { colour: 1 }), ValidationError],
    ['document get with a malformed id', () => bd().get('x'), ValidationError],
    ['document get with unknown options', () => bd().get(docId, { secrets: true } as never), ValidationError],
    ['document getByName with a NUL', () => bd().getByName('db-creds', NUL), ValidationError],
    [
      'document list with a wrong includeSecrets',
      () => bd().list({ includeSecrets: 'yes' } as never),
      ValidationError,
    ],
    [
      'document list with a LIKE filter over the cap',
      () => bd().list({ where: { name: { like: 'x'.repeat(1025) } } }),
      ValidationError,
    ],
    [
      'document count with an unknown filter',
      () => bd().count({ where: { data: {} } } as never),
      ValidationError,
    ],
    ['document update of a missing document', () => bd().update(MISSING, { data: {} }), NotFoundError],
    ['document update without data', () => bd().update(docId, {} as never), ValidationError],
    [
      'document update making itself a reference',
      () => bd().update(innerId, { data: { up: { $ref: { block_document_id: docId } } } }),
      ValidationError,
    ],
    [
      'document update with the mask where no secret is',
      () => bd().update(docId, { data: { user: SECRET_MASK } }),
      ValidationError,
    ],
    [
      'document update to a schema of another type',
      () => bd().update(docId, { data: {}, blockSchemaId: otherSchemaId }),
      ValidationError,
    ],
    [
      'document update with a wrong merge flag',
      () => bd().update(docId, { data: {}, mergeExistingData: 1 } as never),
      ValidationError,
    ],
    ['document delete of a missing document', () => bd().delete(MISSING), NotFoundError],
    ['document delete of a referenced document', () => bd().delete(innerId), ConflictError],
    ['rotation to an empty key', () => bd().rotateEncryptionKey(''), ValidationError],
    ['rotation to a non-string key', () => bd().rotateEncryptionKey(42 as never), ValidationError],
  ];

  it.each(cases)('%s', async (_label, call, expected) => {
    const before = await dumpAll(db);
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, String(error)).toBeInstanceOf(expected);
    if (error instanceof ValidationError) expect(error.issues.length).toBeGreaterThan(0);
    const e = error as Error & { issues?: unknown };
    expect(`${e.message} ${e.stack} ${JSON.stringify(e.issues ?? null)}`).not.toContain(SECRET);
    expect(await dumpAll(db)).toBe(before);
  });
});
