/** Input schemas of the three block repositories (api.md "Blocks", data-model.md "Blocks"). */
import { z } from 'zod';
import { textFilter } from '../filters.js';
import {
  type JsonValue,
  MAX_NAME_CHARS,
  boundedString,
  entityName,
  indexedText,
  jsonObject,
  limit,
  name,
  offset,
  tags,
  text,
  uuid,
} from '../validation.js';

/**
 * A block type's name is copied into `block_document.block_type_name`, which shares the index
 * (block_type_name, name): so it gets that column's byte cap.
 */
export const blockTypeName = entityName(['block_document', 'block_type_name']);
export const blockTypeSlug = entityName(['block_type', 'slug']);
/** A document's name: in (block_type_id, name) and (block_type_name, name). */
export const blockDocumentName = entityName(['block_document', 'name']);
export const blockSchemaVersion = indexedText(['block_schema', 'version']);
/** `sha256:` and 64 hex digits, as `create` computes it. */
export const blockSchemaChecksum = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 lower-case hex digits');

export const blockTypeUpsert = z.strictObject({
  slug: blockTypeSlug,
  name: blockTypeName,
  logoUrl: text.nullable().optional(),
  documentationUrl: text.nullable().optional(),
  description: text.nullable().optional(),
  codeExample: text.nullable().optional(),
  isProtected: z.boolean().optional(),
});
export type BlockTypeUpsert = z.input<typeof blockTypeUpsert>;

export const blockTypeList = z.strictObject({
  where: z
    .strictObject({
      name: z.strictObject({ like: name.optional() }).optional(),
      slug: z.strictObject({ any: z.array(blockTypeSlug).optional() }).optional(),
    })
    .optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});
export type BlockTypeListOptions = z.input<typeof blockTypeList>;

/** A secret path: dotted keys, `*` for any key or list index at that level. */
export const secretPath = boundedString({ minChars: 1, maxChars: MAX_NAME_CHARS }).refine(
  (p) => p.split('.').every((segment) => segment.length > 0),
  'must be dotted keys without empty segments',
);

/** One entry of `fields.block_schema_references` (Prefect's shape). */
const schemaReference = z.looseObject({
  block_type_slug: blockTypeSlug,
  block_schema_checksum: blockSchemaChecksum,
});

/**
 * A schema's `fields`: any JSON object, stored verbatim; what the library reads from it is checked
 * (`secret_fields`: a list of secret paths; `block_schema_references`: Prefect's map of field name
 * to one reference or a list of them).
 */
export const blockSchemaFields = jsonObject.superRefine((fields, ctx) => {
  const secret = fields.secret_fields;
  if (secret !== undefined) {
    const parsed = z.array(secretPath).max(10_000).safeParse(secret);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({
          code: 'custom',
          message: issue.message,
          path: ['secret_fields', ...(issue.path as (string | number)[])],
        });
    }
  }
  const refs = fields.block_schema_references;
  if (refs !== undefined) {
    const parsed = z
      .record(z.string(), z.union([schemaReference, z.array(schemaReference).max(1000)]))
      .safeParse(refs);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({
          code: 'custom',
          message: issue.message,
          path: ['block_schema_references', ...(issue.path as (string | number)[])],
        });
    }
  }
});

export const blockSchemaCreate = z.strictObject({
  blockTypeId: uuid,
  fields: blockSchemaFields,
  capabilities: tags.optional(),
  version: blockSchemaVersion.optional(),
});
export type BlockSchemaCreate = z.input<typeof blockSchemaCreate>;

export const blockSchemaList = z.strictObject({
  where: z
    .strictObject({
      blockTypeId: z.strictObject({ any: z.array(uuid).optional() }).optional(),
      capabilities: z.strictObject({ all: tags.optional() }).optional(),
      version: z.strictObject({ any: z.array(blockSchemaVersion).optional() }).optional(),
    })
    .optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});
export type BlockSchemaListOptions = z.input<typeof blockSchemaList>;

/** A reference to another document, as a top-level value of a document's data. */
const reference = z.strictObject({ $ref: z.strictObject({ block_document_id: uuid }) });

/**
 * A document's data: a JSON object whose top-level values may be references
 * (`{ "$ref": { "block_document_id": … } }`, exactly that shape).
 */
export const blockData = jsonObject.superRefine((data, ctx) => {
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !('$ref' in value)) continue;
    const parsed = reference.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({
          code: 'custom',
          message: `a reference must be { "$ref": { "block_document_id": <uuid> } }: ${issue.message}`,
          path: [key, ...(issue.path as (string | number)[])],
        });
    }
  }
});

export const blockDocumentCreate = z
  .strictObject({
    name: blockDocumentName.optional(),
    blockTypeId: uuid,
    blockSchemaId: uuid,
    data: blockData,
    isAnonymous: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    if (input.name === undefined && !input.isAnonymous)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'is required unless isAnonymous is true' });
  });
export type BlockDocumentCreate = z.input<typeof blockDocumentCreate>;

export const blockDocumentUpdate = z.strictObject({
  data: blockData,
  mergeExistingData: z.boolean().optional(),
  blockSchemaId: uuid.optional(),
});
export type BlockDocumentUpdate = z.input<typeof blockDocumentUpdate>;

export const readOptions = z.strictObject({ includeSecrets: z.boolean().optional() });
export type BlockDocumentReadOptions = z.input<typeof readOptions>;

export const blockDocumentWhere = z.strictObject({
  blockTypeSlug: z.strictObject({ any: z.array(blockTypeSlug).optional() }).optional(),
  name: textFilter.optional(),
  blockSchema: z.strictObject({ capabilities: z.strictObject({ all: tags.optional() }) }).optional(),
  /** Anonymous documents are left out unless this is true (or undefined with `includeAnonymous`). */
  isAnonymous: z.boolean().optional(),
});
export const blockDocumentList = z.strictObject({
  where: blockDocumentWhere.optional(),
  includeSecrets: z.boolean().optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});
export const blockDocumentCount = z.strictObject({ where: blockDocumentWhere.optional() });
export type BlockDocumentWhere = z.input<typeof blockDocumentWhere>;
export type BlockDocumentListOptions = z.input<typeof blockDocumentList>;

export type BlockData = Record<string, JsonValue>;
