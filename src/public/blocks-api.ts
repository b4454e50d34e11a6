/** The public interfaces of `db.blockTypes`, `db.blockSchemas` and `db.blockDocuments` (docs/blocks.md). */
import type {
  BlockDocument,
  BlockDocumentCreate,
  BlockDocumentListOptions,
  BlockDocumentReadOptions,
  BlockDocumentUpdate,
  BlockDocumentWhere,
  BlockSchema,
  BlockSchemaCreate,
  BlockSchemaListOptions,
  BlockType,
  BlockTypeListOptions,
  BlockTypeUpsert,
  RotationResult,
} from './blocks.js';

/**
 * `db.blockTypes`: upsert by slug, read, list by name, delete (protected types refuse).
 *
 * ```ts
 * const type = await db.blockTypes.upsert({ slug: 'aws-credentials', name: 'AWS Credentials' });
 * await db.blockTypes.getBySlug('aws-credentials');
 * ```
 */
export interface BlockTypeRepository {
  /**
   * Creates the type, or updates the one with that slug (fields not given keep their value).
   * A new name is copied to the type's documents (`blockTypeName`) in the same transaction.
   * Throws `ValidationError` on bad input.
   * @example const type = await db.blockTypes.upsert({ slug: 'aws-credentials', name: 'AWS Credentials' });
   */
  upsert(input: BlockTypeUpsert): Promise<BlockType>;
  /**
   * The block type with this id, or null.
   * @example const type = await db.blockTypes.get(id);
   */
  get(id: string): Promise<BlockType | null>;
  /**
   * The block type with this slug, or null.
   * @example const type = await db.blockTypes.getBySlug('aws-credentials');
   */
  getBySlug(slug: string): Promise<BlockType | null>;
  /**
   * Types in name order (then id); `where.name.like` is a case-insensitive substring, `where.slug.any` a list.
   * @example const types = await db.blockTypes.list({ where: { name: { like: 'aws' } } });
   */
  list(options?: BlockTypeListOptions): Promise<BlockType[]>;
  /**
   * Deletes a type with its schemas and documents (ON DELETE CASCADE). A protected type is a
   * `ConflictError`, and so is one whose documents a document of another type still references
   * (references among its own documents go with them); a missing one a `NotFoundError`.
   * @example await db.blockTypes.delete(type.id);
   */
  delete(id: string): Promise<void>;
}

/**
 * `db.blockSchemas`: create (idempotent on checksum + version), read, list, delete.
 *
 * ```ts
 * const schema = await db.blockSchemas.create({
 *   blockTypeId: type.id,
 *   fields: { properties: { password: { type: 'string' } }, secret_fields: ['password'] },
 * });
 * ```
 */
export interface BlockSchemaRepository {
  /**
   * Creates a schema, or returns the one with the same checksum and version. Each entry of
   * `fields.block_schema_references` must name an existing schema (by checksum, of the type with
   * that slug): `NotFoundError` otherwise. A missing block type is a `NotFoundError`; bad input a
   * `ValidationError`.
   * @example const schema = await db.blockSchemas.create({ blockTypeId: type.id, fields: { properties: {} } });
   */
  create(input: BlockSchemaCreate): Promise<BlockSchema>;
  /**
   * The block schema with this id, or null.
   * @example const schema = await db.blockSchemas.get(id);
   */
  get(id: string): Promise<BlockSchema | null>;
  /**
   * The schema with that checksum and version; without a version, the oldest with that checksum.
   * @example const schema = await db.blockSchemas.getByChecksum(computeBlockSchemaChecksum(fields));
   */
  getByChecksum(checksum: string, version?: string): Promise<BlockSchema | null>;
  /**
   * Schemas, oldest first. Filters: `blockTypeId.any`, `capabilities.all` (has every one),
   * `version.any`.
   * @example const schemas = await db.blockSchemas.list({ where: { capabilities: { all: ['get-credentials'] } } });
   */
  list(options?: BlockSchemaListOptions): Promise<BlockSchema[]>;
  /**
   * Deletes a schema with its documents (ON DELETE CASCADE); `ConflictError` when one of them is
   * referenced by a document of another schema (references among its own documents go with them),
   * `NotFoundError` when there is no such schema.
   * @example await db.blockSchemas.delete(schema.id);
   */
  delete(id: string): Promise<void>;
}

/**
 * `db.blockDocuments`: create, read (masked unless `includeSecrets`), list, count, update
 * (merging, keeping secrets sent back masked), delete, rotate the key.
 *
 * ```ts
 * const doc = await db.blockDocuments.create({
 *   name: 'prod', blockTypeId: type.id, blockSchemaId: schema.id,
 *   data: { user: 'etl', password: 's3cr3t' },
 * });
 * (await db.blockDocuments.get(doc.id))!.data; // { user: 'etl', password: '********' }
 * await db.blockDocuments.update(doc.id, { data: { password: '********', user: 'etl2' } }); // keeps the password
 * ```
 */
export interface BlockDocumentRepository {
  /**
   * Creates a document; anonymous ones without a name get `anonymous-<id>`. A missing type, schema
   * or referenced document is a `NotFoundError`; a schema of another type, a bad reference or the
   * secret mask in `data` a `ValidationError`; a taken name (per type) a `ConflictError`. Returns
   * the document as `get` would (secrets masked).
   * @example const doc = await db.blockDocuments.create({ name: 'prod', blockTypeId: type.id, blockSchemaId: schema.id, data: { user: 'etl' } });
   */
  create(input: BlockDocumentCreate): Promise<BlockDocument>;
  /**
   * The document, secrets masked unless `includeSecrets`; null when there is none.
   * @example const doc = await db.blockDocuments.get(id, { includeSecrets: true });
   */
  get(id: string, options?: BlockDocumentReadOptions): Promise<BlockDocument | null>;
  /**
   * The document of the block type with slug `typeSlug` named `name`, as `get`.
   * @example const doc = await db.blockDocuments.getByName('aws-credentials', 'prod');
   */
  getByName(
    typeSlug: string,
    name: string,
    options?: BlockDocumentReadOptions,
  ): Promise<BlockDocument | null>;
  /**
   * Documents in name order (then id). Anonymous documents are left out unless
   * `where.isAnonymous` is true (then only they are listed). Filters: `blockTypeSlug.any`,
   * `name` (the text filter), `blockSchema.capabilities.all`.
   * @example const docs = await db.blockDocuments.list({ where: { blockTypeSlug: { any: ['aws-credentials'] } } });
   */
  list(options?: BlockDocumentListOptions): Promise<BlockDocument[]>;
  /**
   * How many documents `list` would return without paging.
   * @example const n = await db.blockDocuments.count();
   */
  count(options?: { where?: BlockDocumentWhere }): Promise<number>;
  /**
   * Replaces (`mergeExistingData: false`) or merges into (default: top-level keys given replace
   * those stored, the others stay) the document's data, and optionally moves it to another
   * schema of its type. A secret sent back as `********` keeps the stored value. References are
   * checked as in `create`; one that would make a cycle, or nest deeper than 50, is a
   * `ValidationError`. A missing document is a `NotFoundError`. Returns the document as `get`.
   * @example await db.blockDocuments.update(doc.id, { data: { user: 'etl2' } });
   */
  update(id: string, patch: BlockDocumentUpdate): Promise<BlockDocument>;
  /**
   * Deletes a document (its own references go with it). One that another document references is
   * a `ConflictError` (docs/blocks.md: Prefect would silently empty the other's field); a missing
   * one a `NotFoundError`.
   * @example await db.blockDocuments.delete(doc.id);
   */
  delete(id: string): Promise<void>;
  /**
   * Re-encrypts every document with `newKey` (the forms ORION_DATABASE_ENCRYPTION_KEY takes) in one
   * transaction. Where the key lives in `configuration`, the new key replaces it there in the
   * same transaction; where it comes from the setting, nothing is stored: this handle uses the new
   * key from now on, and the setting must be changed before other processes use the database (they
   * fail with the kid error until then; docs/blocks.md). A document no key of this handle opens is
   * a `ConfigurationError` and nothing changes.
   * @example const { documents, kid } = await db.blockDocuments.rotateEncryptionKey(generateEncryptionKey());
   */
  rotateEncryptionKey(newKey: string): Promise<RotationResult>;
}
