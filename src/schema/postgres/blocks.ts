import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Json } from '../json-types.js';
import { ck, fk, ix, pk, uq } from '../naming.js';
import { baseColumns, bool, documentObject, json, jsonList, str, uuidRef } from './columns.js';

/** The encrypted form of a block document's data (AES-256-GCM). */
export interface EncryptedData {
  v: number;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

export const blockType = pgTable(
  'block_type',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    slug: str('slug').notNull(),
    logoUrl: str('logo_url'),
    documentationUrl: str('documentation_url'),
    description: str('description'),
    codeExample: str('code_example'),
    isProtected: bool('is_protected').notNull().default(false),
  },
  (t) => [
    primaryKey({ name: pk('block_type'), columns: [t.id] }),
    uniqueIndex(uq('block_type', 'slug')).on(t.slug),
    index(ix('block_type', 'updated')).on(t.updated),
    // Search (revision 2): trigram GIN for case-insensitive substring search on name.
    index(ix('block_type', 'name_trgm')).using('gin', t.name.op('gin_trgm_ops')),
  ],
);

export const blockSchema = pgTable(
  'block_schema',
  {
    ...baseColumns(),
    checksum: str('checksum').notNull(),
    fields: documentObject<Record<string, Json>>('fields'),
    capabilities: jsonList<string[]>('capabilities'),
    version: str('version').notNull().default('non-versioned'),
    blockTypeId: uuidRef('block_type_id').notNull(),
  },
  (t) => [
    primaryKey({ name: pk('block_schema'), columns: [t.id] }),
    uniqueIndex(uq('block_schema', 'checksum', 'version')).on(t.checksum, t.version),
    foreignKey({
      name: fk('block_schema', ['block_type_id'], 'block_type'),
      columns: [t.blockTypeId],
      foreignColumns: [blockType.id],
    }).onDelete('cascade'),
    index(ix('block_schema', 'updated')).on(t.updated),
    index(ix('block_schema', 'block_type_id')).on(t.blockTypeId),
  ],
);

export const blockSchemaReference = pgTable(
  'block_schema_reference',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    parentBlockSchemaId: uuidRef('parent_block_schema_id').notNull(),
    referenceBlockSchemaId: uuidRef('reference_block_schema_id').notNull(),
  },
  (t) => [
    primaryKey({ name: pk('block_schema_reference'), columns: [t.id] }),
    foreignKey({
      name: fk('block_schema_reference', ['parent_block_schema_id'], 'block_schema'),
      columns: [t.parentBlockSchemaId],
      foreignColumns: [blockSchema.id],
    }).onDelete('cascade'),
    foreignKey({
      name: fk('block_schema_reference', ['reference_block_schema_id'], 'block_schema'),
      columns: [t.referenceBlockSchemaId],
      foreignColumns: [blockSchema.id],
    }).onDelete('cascade'),
    index(ix('block_schema_reference', 'updated')).on(t.updated),
  ],
);

export const blockDocument = pgTable(
  'block_document',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    data: json<EncryptedData>('data').notNull(),
    isAnonymous: bool('is_anonymous').notNull().default(false),
    blockTypeName: str('block_type_name'),
    blockTypeId: uuidRef('block_type_id').notNull(),
    blockSchemaId: uuidRef('block_schema_id').notNull(),
  },
  (t) => [
    primaryKey({ name: pk('block_document'), columns: [t.id] }),
    uniqueIndex(uq('block_document', 'block_type_id', 'name')).on(t.blockTypeId, t.name),
    foreignKey({
      name: fk('block_document', ['block_type_id'], 'block_type'),
      columns: [t.blockTypeId],
      foreignColumns: [blockType.id],
    }).onDelete('cascade'),
    foreignKey({
      name: fk('block_document', ['block_schema_id'], 'block_schema'),
      columns: [t.blockSchemaId],
      foreignColumns: [blockSchema.id],
    }).onDelete('cascade'),
    index(ix('block_document', 'updated')).on(t.updated),
    // Search (revision 2): trigram GIN for case-insensitive substring search on name.
    index(ix('block_document', 'name_trgm')).using('gin', t.name.op('gin_trgm_ops')),
    index(ix('block_document', 'block_type_name', 'name')).on(t.blockTypeName, t.name),
    index(ix('block_document', 'is_anonymous')).on(t.isAnonymous),
  ],
);

export const blockDocumentReference = pgTable(
  'block_document_reference',
  {
    ...baseColumns(),
    name: str('name').notNull(),
    parentBlockDocumentId: uuidRef('parent_block_document_id').notNull(),
    referenceBlockDocumentId: uuidRef('reference_block_document_id').notNull(),
  },
  (t) => [
    primaryKey({ name: pk('block_document_reference'), columns: [t.id] }),
    foreignKey({
      name: fk('block_document_reference', ['parent_block_document_id'], 'block_document'),
      columns: [t.parentBlockDocumentId],
      foreignColumns: [blockDocument.id],
    }).onDelete('cascade'),
    foreignKey({
      name: fk('block_document_reference', ['reference_block_document_id'], 'block_document'),
      columns: [t.referenceBlockDocumentId],
      foreignColumns: [blockDocument.id],
      // Revision 4 (semantics.md §8): deleting a document another one references is refused
      // (ConflictError); Prefect's cascade silently empties the parent's field.
    }).onDelete('restrict'),
    check(
      ck('block_document_reference', 'not_self'),
      sql.raw('parent_block_document_id <> reference_block_document_id'),
    ),
    index(ix('block_document_reference', 'updated')).on(t.updated),
  ],
);
