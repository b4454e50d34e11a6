/**
 * A taken block document name is the same ConflictError message on both dialects (trial 5: on
 * PostgreSQL it carried the driver's detail, with the type's id and the name).
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/index.js';
import { createTestDatabase } from '../../../src/testing/index.js';
import { DIALECTS } from '../../support/dialects.js';
import { blockFixture } from './support.js';

describe.each(DIALECTS)('block conflict messages (%s)', (dialect) => {
  it('a taken document name: one wording, no values', async () => {
    const db = await createTestDatabase({ dialect });
    try {
      const f = await blockFixture(db);
      const doc = { name: 'prod', blockTypeId: f.typeId, blockSchemaId: f.schemaId, data: { x: 1 } };
      await db.blockDocuments.create(doc);
      const error = await db.blockDocuments.create(doc).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as Error).message).toBe(
        'A block document already exists with the same block_type_id, name (uq_block_document__block_type_id_name)',
      );
    } finally {
      await db.close();
    }
  });
});
