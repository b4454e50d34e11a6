/**
 * Reading block documents: decrypting, resolving references (recursively, a level per query for
 * any number of documents) and masking secrets at every depth.
 */
import { eq } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import { DatabaseError } from '../../errors.js';
import type { blockDocument } from '../../schema/postgres/blocks.js';
import type { RepositoryContext } from '../context.js';
import type { JsonValue } from '../validation.js';
import { type EncryptionKey, decrypt, isEncryptedData } from './encryption.js';
import type { CurrentKey, Keyring } from './keyring.js';
import { kidMismatch } from './recorded-kid.js';
import { MAX_REFERENCE_DEPTH, referencedId, referencesOf } from './references.js';
import { maskSecretFields, secretPaths } from './secrets.js';
import type { BlockDocument } from '../../public/blocks.js';

type Row = typeof blockDocument.$inferSelect;

/** A stored document with its schema's fields, decrypted but not yet resolved or masked. */
export interface LoadedRow {
  row: Row;
  schemaFields: unknown;
  raw: Record<string, JsonValue>;
}

/** The select that every read starts from: the document and its schema's fields. */
export function selectDocuments(ctx: RepositoryContext, q: Executor) {
  const d = ctx.tables.blockDocument;
  const s = ctx.tables.blockSchema;
  return q
    .select({ row: d, schemaFields: s.fields })
    .from(d)
    .innerJoin(s, eq(s.id, d.blockSchemaId))
    .$dynamic();
}

/** Finds the key a document was written with: the current one, or one this handle used before. */
export class KeyLookup {
  #current: CurrentKey | undefined | null = null;

  constructor(
    private readonly ctx: RepositoryContext,
    private readonly q: Executor,
    private readonly keyring: Keyring,
  ) {}

  async current(create = false): Promise<CurrentKey | undefined> {
    if (this.#current === null || (this.#current === undefined && create))
      this.#current = await this.keyring.current(this.ctx, this.q, create);
    return this.#current;
  }

  async forDocument(id: string, kid: string): Promise<EncryptionKey> {
    const current = await this.current();
    if (current?.kid === kid) return current;
    const known = this.keyring.known(kid);
    if (known) return known;
    throw kidMismatch(`Block document ${id} is`, kid, current);
  }
}

/** Decrypts a row's data into the JSON object that was written. */
export async function decryptRow(keys: KeyLookup, row: Row): Promise<Record<string, JsonValue>> {
  if (!isEncryptedData(row.data))
    throw new DatabaseError(
      `The data of block document ${row.id} is not in the encrypted form the library writes`,
    );
  const key = await keys.forDocument(row.id, row.data.kid);
  return JSON.parse(decrypt(key, row.id, row.data)) as Record<string, JsonValue>;
}

/**
 * Turns stored rows into documents: decrypts them and every document they reference (a level per
 * query), resolves references, masks secrets unless `includeSecrets`.
 */
export async function resolveDocuments(
  ctx: RepositoryContext,
  q: Executor,
  keys: KeyLookup,
  rows: { row: Row; schemaFields: unknown }[],
  includeSecrets: boolean,
): Promise<BlockDocument[]> {
  const loaded = new Map<string, LoadedRow>();
  const add = async (items: { row: Row; schemaFields: unknown }[]) => {
    for (const item of items) {
      if (!loaded.has(item.row.id))
        loaded.set(item.row.id, { ...item, raw: await decryptRow(keys, item.row) });
    }
  };
  await add(rows);
  let frontier = rows.map((r) => r.row.id);
  for (let level = 0; frontier.length > 0 && level <= MAX_REFERENCE_DEPTH; level++) {
    const wanted = new Set<string>();
    for (const id of frontier)
      for (const ref of Object.values(referencesOf(loaded.get(id)!.raw)))
        if (!loaded.has(ref)) wanted.add(ref);
    if (wanted.size === 0) break;
    const d = ctx.tables.blockDocument;
    const found = await selectDocuments(ctx, q).where(ctx.fragments.inList(d.id, [...wanted], 'uuid'));
    await add(found);
    frontier = found.map((f) => f.row.id);
  }

  const resolved = new Map<string, Record<string, JsonValue>>();
  const resolve = (id: string, depth: number): Record<string, JsonValue> => {
    const done = resolved.get(id);
    if (done) return done;
    const doc = loaded.get(id);
    if (!doc || depth > MAX_REFERENCE_DEPTH)
      throw new DatabaseError(`Block document references from ${id} are missing or nest too deep`);
    const data: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(doc.raw)) {
      const ref = referencedId(value);
      Object.defineProperty(data, key, {
        value: ref === undefined ? value : resolve(ref, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    const out = includeSecrets ? data : maskSecretFields(data, secretPaths(doc.schemaFields));
    resolved.set(id, out);
    return out;
  };

  return rows.map(({ row }) => ({
    id: row.id,
    created: row.created,
    updated: row.updated,
    name: row.name,
    isAnonymous: row.isAnonymous,
    blockTypeId: row.blockTypeId,
    blockTypeName: row.blockTypeName,
    blockSchemaId: row.blockSchemaId,
    // A copy each: documents in one answer may share a nested document.
    data: JSON.parse(JSON.stringify(resolve(row.id, 0))) as Record<string, JsonValue>,
    blockDocumentReferences: referencesOf(loaded.get(row.id)!.raw),
  }));
}

// The public shape (src/public/) is the one definition.
export type { BlockDocument };
