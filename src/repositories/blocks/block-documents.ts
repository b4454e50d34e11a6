/**
 * Block documents (api.md "Blocks", data-model.md "Blocks", semantics.md §8): data encrypted at
 * rest as a whole, secrets masked on read, references to other documents resolved on read, and
 * key rotation. docs/blocks.md is the user's guide.
 */
import { type SQL, and, asc, count, eq, gt } from 'drizzle-orm';
import type { z } from 'zod';
import type { Executor } from '../../dialect/dialect.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { uuidv7 } from '../../schema/uuid.js';
import type { RepositoryContext } from '../context.js';
import { textConditions } from '../filters.js';
import { paged } from '../sorting.js';
import { type JsonValue, boundedString, parse, uuid } from '../validation.js';
import {
  type BlockDocument,
  KeyLookup,
  decryptRow,
  resolveDocuments,
  selectDocuments,
} from './documents-read.js';
import { type EncryptionKey, encrypt, keyTextProblem } from './encryption.js';
import {
  type BlockDocumentCreate,
  type BlockDocumentListOptions,
  type BlockDocumentReadOptions,
  type BlockDocumentUpdate,
  type BlockDocumentWhere,
  blockDocumentCount,
  blockDocumentCreate,
  blockDocumentList,
  blockDocumentName,
  blockDocumentUpdate,
  type blockDocumentWhere,
  blockTypeSlug,
  readOptions,
} from './inputs.js';
import { type Keyring, STORED_KEY, rawKeyToText } from './keyring.js';
import { checkWriteKey, recordKid } from './recorded-kid.js';
import { checkReferences, referencesOf, writeReferences } from './references.js';
import { restoreSecretFields, secretPaths } from './secrets.js';
import type { RotationResult } from '../../public/blocks.js';

/** Documents re-encrypted per query during a rotation. */
const ROTATION_PAGE = 500;
/** A rotation's new key: the same forms as ORION_DATABASE_ENCRYPTION_KEY (never echoed in errors). */
const newKeyText = boundedString({ minChars: 1, maxBytes: 4096 }).superRefine((text, ctx) => {
  const problem = keyTextProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

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
export class BlockDocumentRepository {
  constructor(
    private readonly ctx: RepositoryContext,
    private readonly keyring: Keyring,
  ) {}

  private get t() {
    return this.ctx.tables.blockDocument;
  }

  /**
   * Creates a document; anonymous ones without a name get `anonymous-<id>`. A missing type, schema
   * or referenced document is a `NotFoundError`; a schema of another type, a bad reference or the
   * secret mask in `data` a `ValidationError`; a taken name (per type) a `ConflictError`. Returns
   * the document as `get` would (secrets masked).
   */
  async create(input: BlockDocumentCreate): Promise<BlockDocument> {
    const data = parse(blockDocumentCreate, input, 'block document');
    return this.ctx.transaction(async (q) => {
      const keys = new KeyLookup(this.ctx, q, this.keyring);
      // The key before the referenced documents are locked: rotateEncryptionKey's lock order.
      const key = (await keys.current(true))!;
      // Refused before anything is written when the database's documents use another key.
      await checkWriteKey(this.ctx, q, key, 'share');
      const schema = await this.schemaOfType(q, data.blockSchemaId, data.blockTypeId);
      const id = uuidv7();
      const refs = referencesOf(data.data);
      await checkReferences(this.ctx, q, id, refs, true);
      const clean = restoreSecretFields(data.data, undefined, secretPaths(schema.fields));
      const now = new Date();
      await q.insert(this.t).values({
        id,
        name: data.name ?? `anonymous-${id}`,
        data: this.seal(key, id, clean),
        isAnonymous: data.isAnonymous ?? false,
        blockTypeName: schema.typeName,
        blockTypeId: data.blockTypeId,
        blockSchemaId: data.blockSchemaId,
        created: now,
        updated: now,
      });
      await writeReferences(this.ctx, q, id, refs, now);
      return (await this.read(q, keys, [eq(this.t.id, id)], false))[0]!;
    });
  }

  /** The document, secrets masked unless `includeSecrets`; null when there is none. */
  async get(id: string, options: BlockDocumentReadOptions = {}): Promise<BlockDocument | null> {
    const docId = parse(uuid, id, 'block document id');
    const o = parse(readOptions, options, 'block document read options');
    return this.ctx.run(async (q) => {
      const keys = new KeyLookup(this.ctx, q, this.keyring);
      return (await this.read(q, keys, [eq(this.t.id, docId)], o.includeSecrets ?? false))[0] ?? null;
    });
  }

  /** The document of the block type with slug `typeSlug` named `name`, as `get`. */
  async getByName(
    typeSlug: string,
    name: string,
    options: BlockDocumentReadOptions = {},
  ): Promise<BlockDocument | null> {
    const slug = parse(blockTypeSlug, typeSlug, 'block type slug');
    const docName = parse(blockDocumentName, name, 'block document name');
    const o = parse(readOptions, options, 'block document read options');
    return this.ctx.run(async (q) => {
      const type = this.ctx.tables.blockType;
      const [found] = await q.select({ id: type.id }).from(type).where(eq(type.slug, slug));
      if (!found) return null;
      const keys = new KeyLookup(this.ctx, q, this.keyring);
      const where = [eq(this.t.blockTypeId, found.id), eq(this.t.name, docName)];
      return (await this.read(q, keys, where, o.includeSecrets ?? false))[0] ?? null;
    });
  }

  /**
   * Documents in name order (then id). Anonymous documents are left out unless
   * `where.isAnonymous` is true (then only they are listed). Filters: `blockTypeSlug.any`,
   * `name` (the text filter), `blockSchema.capabilities.all`.
   */
  async list(options: BlockDocumentListOptions = {}): Promise<BlockDocument[]> {
    const o = parse(blockDocumentList, options, 'block document list options');
    return this.ctx.run(async (q) => {
      const keys = new KeyLookup(this.ctx, q, this.keyring);
      const query = selectDocuments(this.ctx, q)
        .where(and(...(await this.conditions(q, o.where))))
        .orderBy(asc(this.t.name), asc(this.t.id));
      const rows = await paged(query, o, this.ctx.fragments);
      return resolveDocuments(this.ctx, q, keys, rows, o.includeSecrets ?? false);
    });
  }

  /** How many documents `list` would return without paging. */
  async count(options: { where?: BlockDocumentWhere } = {}): Promise<number> {
    const o = parse(blockDocumentCount, options, 'block document count options');
    return this.ctx.run(async (q) => {
      const s = this.ctx.tables.blockSchema;
      const [row] = await q
        .select({ n: count() })
        .from(this.t)
        .innerJoin(s, eq(s.id, this.t.blockSchemaId))
        .where(and(...(await this.conditions(q, o.where))));
      return Number(row?.n ?? 0);
    });
  }

  private async conditions(
    q: Executor,
    where: z.output<typeof blockDocumentWhere> | undefined,
  ): Promise<(SQL | undefined)[]> {
    const f = this.ctx.fragments;
    const s = this.ctx.tables.blockSchema;
    const out: (SQL | undefined)[] = [eq(this.t.isAnonymous, where?.isAnonymous ?? false)];
    if (where?.blockTypeSlug?.any !== undefined) {
      const type = this.ctx.tables.blockType;
      const ids = await q
        .select({ id: type.id })
        .from(type)
        .where(f.inList(type.slug, where.blockTypeSlug.any, 'text'));
      out.push(
        f.inList(
          this.t.blockTypeId,
          ids.map((r) => r.id),
          'uuid',
        ),
      );
    }
    out.push(...textConditions(this.t.name, where?.name, f));
    if (where?.blockSchema?.capabilities.all !== undefined)
      out.push(f.jsonListContainsAll(s.capabilities, where.blockSchema.capabilities.all));
    return out;
  }

  /**
   * Replaces (`mergeExistingData: false`) or merges into (default: top-level keys given replace
   * those stored, the others stay) the document's data, and optionally moves it to another
   * schema of its type. A secret sent back as `********` keeps the stored value. References are
   * checked as in `create`; one that would make a cycle, or nest deeper than 50, is a
   * `ValidationError`. A missing document is a `NotFoundError`. Returns the document as `get`.
   */
  async update(id: string, patch: BlockDocumentUpdate): Promise<BlockDocument> {
    const docId = parse(uuid, id, 'block document id');
    const input = parse(blockDocumentUpdate, patch, 'block document update');
    return this.ctx.transaction(async (q) => {
      const keys = new KeyLookup(this.ctx, q, this.keyring);
      // The key first (a share lock on its configuration row), then the document: the order in
      // which rotateEncryptionKey locks them. The other order deadlocked against a rotation.
      const key = (await keys.current(true))!;
      await checkWriteKey(this.ctx, q, key, 'share');
      let locked = selectDocuments(this.ctx, q).where(eq(this.t.id, docId));
      if (this.ctx.rowLocking) locked = locked.for('update', { of: this.t });
      const [current] = await locked;
      if (!current) throw new NotFoundError('block document', docId);
      const stored = await decryptRow(keys, current.row);
      const schemaId = input.blockSchemaId ?? current.row.blockSchemaId;
      const schema = await this.schemaOfType(q, schemaId, current.row.blockTypeId);
      const merged = (input.mergeExistingData ?? true) ? { ...stored, ...input.data } : input.data;
      const paths = [...secretPaths(current.schemaFields), ...secretPaths(schema.fields)];
      const clean = restoreSecretFields(merged, stored, paths);
      const refs = referencesOf(clean);
      await checkReferences(this.ctx, q, docId, refs, false);
      const now = new Date();
      await q
        .update(this.t)
        .set({ data: this.seal(key, docId, clean), blockSchemaId: schemaId, updated: now })
        .where(eq(this.t.id, docId));
      await writeReferences(this.ctx, q, docId, refs, now);
      return (await this.read(q, keys, [eq(this.t.id, docId)], false))[0]!;
    });
  }

  /**
   * Deletes a document (its own references go with it). One that another document references is
   * a `ConflictError` (semantics.md §8: Prefect would silently empty the other's field); a missing
   * one a `NotFoundError`.
   */
  async delete(id: string): Promise<void> {
    const docId = parse(uuid, id, 'block document id');
    await this.ctx.run(async (q) => {
      const deleted = await q.delete(this.t).where(eq(this.t.id, docId)).returning({ id: this.t.id });
      if (deleted.length === 0) throw new NotFoundError('block document', docId);
    });
  }

  /**
   * Re-encrypts every document with `newKey` (the forms ORION_DATABASE_ENCRYPTION_KEY takes) in one
   * transaction. Where the key lives in `configuration`, the new key replaces it there in the
   * same transaction; where it comes from the setting, nothing is stored: this handle uses the new
   * key from now on, and the setting must be changed before other processes use the database (they
   * fail with the kid error until then; docs/blocks.md). A document no key of this handle opens is
   * a `ConfigurationError` and nothing changes.
   */
  async rotateEncryptionKey(newKey: string): Promise<RotationResult> {
    const text = parse(newKeyText, newKey, 'new encryption key');
    const result = await this.ctx.transaction(async (q) => {
      const c = this.ctx.tables.configuration;
      if (this.ctx.rowLocking)
        await q.select({ id: c.id }).from(c).where(eq(c.key, STORED_KEY)).for('update');
      const keys = new KeyLookup(this.ctx, q, this.keyring);
      const current = (await keys.current(true))!;
      // Locked for update: writers hold it for share, so none writes with the old key meanwhile.
      await checkWriteKey(this.ctx, q, current, 'update');
      const next = await this.keyring.derive(this.ctx, q, text);
      let documents = 0;
      let after: string | undefined;
      for (;;) {
        let page = q
          .select({ id: this.t.id, data: this.t.data })
          .from(this.t)
          .where(after === undefined ? undefined : gt(this.t.id, after))
          .orderBy(asc(this.t.id))
          .limit(ROTATION_PAGE)
          .$dynamic();
        if (this.ctx.rowLocking) page = page.for('update');
        const rows = await page;
        for (const row of rows) {
          const plain = await decryptRow(keys, row as never);
          await q
            .update(this.t)
            .set({ data: this.seal(next, row.id, plain) })
            .where(eq(this.t.id, row.id));
        }
        documents += rows.length;
        if (rows.length < ROTATION_PAGE) break;
        after = rows[rows.length - 1]!.id;
      }
      await recordKid(this.ctx, q, next.kid);
      if (current.source === 'configuration') {
        await q
          .update(c)
          .set({ value: { key: rawKeyToText(next.key) }, updated: new Date() })
          .where(eq(c.key, STORED_KEY));
      }
      // A setting key is replaced in this handle now, so the rest of the transaction reads and
      // writes with it, and put back if the rotation rolls back (with a caller's transaction, or
      // one around it): the handle kept writing with a key the documents were never re-encrypted to.
      if (current.source === 'setting') {
        const before = this.keyring.adopt(next);
        this.ctx.dialect.onRollback(() => this.keyring.restore(before));
      }
      return { documents, kid: next.kid, keySource: current.source };
    });
    return { documents: result.documents, kid: result.kid, keySource: result.keySource };
  }

  private seal(key: EncryptionKey, id: string, data: Record<string, JsonValue>) {
    return encrypt(key, id, JSON.stringify(data));
  }

  private async read(q: Executor, keys: KeyLookup, where: SQL[], includeSecrets: boolean) {
    const rows = await selectDocuments(this.ctx, q).where(and(...where));
    return resolveDocuments(this.ctx, q, keys, rows, includeSecrets);
  }

  /** The schema `schemaId` with its type's name; it must exist and belong to type `typeId`. */
  private async schemaOfType(q: Executor, schemaId: string, typeId: string) {
    const s = this.ctx.tables.blockSchema;
    const type = this.ctx.tables.blockType;
    // Share-locked on PostgreSQL: a concurrent rename of the type (which copies the new name to its
    // documents) waits for this write, or this write waits for the rename and reads the new name.
    let typeQuery = q.select({ name: type.name }).from(type).where(eq(type.id, typeId)).$dynamic();
    if (this.ctx.rowLocking) typeQuery = typeQuery.for('share');
    const [typeRow] = await typeQuery;
    if (!typeRow) throw new NotFoundError('block type', typeId);
    const [schema] = await q
      .select({ fields: s.fields, blockTypeId: s.blockTypeId })
      .from(s)
      .where(eq(s.id, schemaId));
    if (!schema) throw new NotFoundError('block schema', schemaId);
    if (schema.blockTypeId !== typeId)
      throw new ValidationError(
        `Invalid block document: blockSchemaId: block schema ${schemaId} belongs to another block type`,
        [{ path: ['blockSchemaId'], message: 'belongs to another block type' }],
      );
    return { fields: schema.fields, typeName: typeRow.name };
  }
}

// The public shape (src/public/) is the one definition.
export type { RotationResult };
