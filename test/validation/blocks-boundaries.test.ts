/**
 * Boundary properties (docs/repositories.md "Input limits") for block types, schemas and documents,
 * on both dialects: valid inputs at their limits (slugs, names and versions at their byte caps,
 * documents nested to the JSON depth limit) round-trip, through encryption for document data;
 * invalid ones are a ValidationError naming the field and write nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';
import { type Boundary, boundaryTests, defect, expectJson, jsonDefect } from './support/harness.js';
import { brokenString, longestName, overlongName, shortName } from './support/text.js';
import { jsonObjectDoc } from './support/values.js';

const SOLE = 2600;
const SHARED = 1300;
const badName = (cap: number) => fc.oneof(overlongName(cap), brokenString(shortName), fc.constant(''));
const badText = brokenString(shortName);

describe.each(DIALECTS)('input limits: blocks (%s)', (dialect) => {
  let db: Database;
  let typeId: string;
  let schemaId: string;
  let docId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    typeId = (await db.blockTypes.upsert({ slug: 'fixed', name: 'Fixed' })).id;
    schemaId = (await db.blockSchemas.create({ blockTypeId: typeId, fields: { secret_fields: ['s'] } })).id;
    docId = (
      await db.blockDocuments.create({
        name: 'fixed',
        blockTypeId: typeId,
        blockSchemaId: schemaId,
        data: {},
      })
    ).id;
  });
  afterAll(async () => {
    await db.close();
  });
  const getDb = () => db;

  const type = fc.record({
    slug: longestName(SOLE),
    name: longestName(SHARED),
    description: longestName(),
    codeExample: longestName(),
    isProtected: fc.boolean(),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'blockTypes.upsert',
      valid: type,
      roundTrip: async (input) => {
        const created = await db.blockTypes.upsert(input);
        expect(await db.blockTypes.getBySlug(input.slug)).toMatchObject({ ...input, id: created.id });
        await db.blockTypes.upsert({ ...input, isProtected: false });
        await db.blockTypes.delete(created.id);
      },
      invalid: fc.oneof(
        defect(type, ['slug'], badName(SOLE)),
        defect(type, ['name'], badName(SHARED)),
        defect(type, ['description'], badText),
        defect(type, ['isProtected'], fc.constantFrom('yes', 1, null)),
      ),
      call: (input) => db.blockTypes.upsert(input),
    }),
  );

  const schema = fc.record({
    fields: jsonObjectDoc,
    capabilities: fc.array(longestName(), { maxLength: 3 }),
    version: longestName(SHARED),
  });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'blockSchemas.create',
      valid: schema,
      roundTrip: async (input) => {
        const created = await db.blockSchemas.create({ ...input, blockTypeId: typeId });
        const got = (await db.blockSchemas.getByChecksum(created.checksum, input.version))!;
        expect(got.id).toBe(created.id);
        expectJson(got.fields, input.fields);
        expect(got.capabilities).toEqual(input.capabilities);
        await db.blockSchemas.delete(created.id);
      },
      invalid: fc.oneof(
        defect(schema, ['version'], badName(SHARED)),
        defect(
          schema,
          ['capabilities', 0],
          fc.oneof(overlongName(), brokenString(shortName), fc.constant('')),
        ),
        jsonDefect(schema, ['fields']),
      ),
      call: (input) => db.blockSchemas.create({ ...input, blockTypeId: typeId }),
    }),
  );

  const document = fc.record({ name: longestName(SHARED), data: jsonObjectDoc });
  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'blockDocuments.create / update',
      valid: fc.tuple(document, jsonObjectDoc),
      roundTrip: async ([input, next]) => {
        const created = await db.blockDocuments.create({
          ...input,
          blockTypeId: typeId,
          blockSchemaId: schemaId,
        });
        const got = (await db.blockDocuments.getByName('fixed', input.name, { includeSecrets: true }))!;
        expect(got.id).toBe(created.id);
        expectJson(got.data, input.data);
        await db.blockDocuments.update(created.id, { data: next, mergeExistingData: false });
        expectJson((await db.blockDocuments.get(created.id, { includeSecrets: true }))!.data, next);
        await db.blockDocuments.delete(created.id);
      },
      invalid: fc.oneof(defect(document, ['name'], badName(SHARED)), jsonDefect(document, ['data'])),
      call: (input) => db.blockDocuments.create({ ...input, blockTypeId: typeId, blockSchemaId: schemaId }),
    }),
  );

  boundaryTests(
    getDb,
    (): Boundary<any> => ({
      method: 'blockDocuments.update',
      valid: fc.record({ data: jsonObjectDoc, mergeExistingData: fc.constant(false) }),
      roundTrip: async (input) => {
        await db.blockDocuments.update(docId, input);
        expectJson((await db.blockDocuments.get(docId, { includeSecrets: true }))!.data, input.data);
      },
      invalid: jsonDefect(fc.record({ data: jsonObjectDoc }), ['data']),
      call: (input) => db.blockDocuments.update(docId, input),
    }),
  );
});
