/**
 * Block schemas (data-model.md "Blocks", semantics.md §8 "Schemas"): a block type's fields as a
 * JSON schema, stored verbatim, identified by checksum and version. Nested schemas named in
 * `fields.block_schema_references` (Prefect's shape) become `block_schema_reference` rows.
 */
import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { blockSchema } from '../../schema/postgres/blocks.js';
import type { RepositoryContext } from '../context.js';
import { paged } from '../sorting.js';
import { dropReferencesFrom } from './references.js';
import { type JsonValue, parse, uuid } from '../validation.js';
import {
  type BlockSchemaCreate,
  type BlockSchemaListOptions,
  blockSchemaChecksum,
  blockSchemaCreate,
  blockSchemaList,
  blockSchemaVersion,
} from './inputs.js';

/** A block schema as stored; `fields` comes back exactly as given (key order included). */
export type BlockSchema = typeof blockSchema.$inferSelect;

/** The version of a schema created without one (Prefect's). */
export const NON_VERSIONED = 'non-versioned';

/** JSON with every object's keys sorted (code-unit order) and no whitespace. */
function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k]!)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The checksum of a schema's fields: `sha256:` + hex of the fields serialised with sorted keys and
 * no whitespace, `secret_fields` included (data-model.md: unlike Prefect, so changing only which
 * fields are secret gives a new schema and cannot keep the old masking).
 *
 * ```ts
 * computeBlockSchemaChecksum({ b: 1, a: 2 }) === computeBlockSchemaChecksum({ a: 2, b: 1 }); // true
 * ```
 */
export function computeBlockSchemaChecksum(fields: Record<string, JsonValue>): string {
  return `sha256:${createHash('sha256').update(canonical(fields)).digest('hex')}`;
}

interface SchemaReference {
  name: string;
  slug: string;
  checksum: string;
}

function referencesOf(fields: Record<string, JsonValue>): SchemaReference[] {
  const refs = fields.block_schema_references;
  if (refs === undefined || refs === null || typeof refs !== 'object' || Array.isArray(refs)) return [];
  const out: SchemaReference[] = [];
  for (const [name, value] of Object.entries(refs)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      const r = one as Record<string, string>;
      out.push({ name, slug: r.block_type_slug!, checksum: r.block_schema_checksum! });
    }
  }
  return out;
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
export class BlockSchemaRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private get t() {
    return this.ctx.tables.blockSchema;
  }

  /**
   * Creates a schema, or returns the one with the same checksum and version. Each entry of
   * `fields.block_schema_references` must name an existing schema (by checksum, of the type with
   * that slug): `NotFoundError` otherwise. A missing block type is a `NotFoundError`; bad input a
   * `ValidationError`.
   */
  async create(input: BlockSchemaCreate): Promise<BlockSchema> {
    const data = parse(blockSchemaCreate, input, 'block schema');
    const checksum = computeBlockSchemaChecksum(data.fields);
    const version = data.version ?? NON_VERSIONED;
    return this.ctx.transaction(async (q) => {
      const existing = await this.byChecksum(q, checksum, version);
      if (existing) return this.sameType(existing, data.blockTypeId);
      const references = await this.resolveReferences(q, data.fields);
      const now = new Date();
      const inserted = await q
        .insert(this.t)
        .values({
          checksum,
          version,
          fields: data.fields,
          capabilities: data.capabilities ?? [],
          blockTypeId: data.blockTypeId,
          created: now,
          updated: now,
        })
        .onConflictDoNothing({ target: [this.t.checksum, this.t.version] })
        .returning();
      // A concurrent create of the same schema won: return its row (idempotent).
      const row =
        inserted[0] ?? this.sameType((await this.byChecksum(q, checksum, version))!, data.blockTypeId);
      if (inserted[0] && references.length > 0) {
        const r = this.ctx.tables.blockSchemaReference;
        await q.insert(r).values(
          references.map((ref) => ({
            name: ref.name,
            parentBlockSchemaId: row.id,
            referenceBlockSchemaId: ref.id,
            created: now,
            updated: now,
          })),
        );
      }
      return row;
    });
  }

  /**
   * A schema is identified by checksum and version across types (data-model.md), so the same
   * fields under another block type cannot get a schema of their own: a ConflictError naming the
   * owner, never the other type's schema returned as if it were this one's.
   */
  private sameType(existing: BlockSchema, blockTypeId: string): BlockSchema {
    if (existing.blockTypeId === blockTypeId) return existing;
    throw new ConflictError(
      'block schema',
      'uq_block_schema__checksum_version',
      `A block schema with these fields and version already exists for block type ${existing.blockTypeId} (checksum ${existing.checksum}): schemas are identified by checksum and version, so give this type's schema a different version`,
    );
  }

  private async resolveReferences(
    q: Executor,
    fields: Record<string, JsonValue>,
  ): Promise<{ name: string; id: string }[]> {
    const refs = referencesOf(fields);
    if (refs.length === 0) return [];
    const type = this.ctx.tables.blockType;
    const found = await q
      .select({ id: this.t.id, checksum: this.t.checksum, slug: type.slug })
      .from(this.t)
      .innerJoin(type, eq(type.id, this.t.blockTypeId))
      .where(
        this.ctx.fragments.inList(
          this.t.checksum,
          refs.map((r) => r.checksum),
          'text',
        ),
      )
      .orderBy(asc(this.t.id));
    return refs.map((ref) => {
      const match = found.find((f) => f.checksum === ref.checksum && f.slug === ref.slug);
      if (!match)
        throw new NotFoundError(
          'block schema',
          ref.checksum,
          `fields.block_schema_references.${ref.name}: no block schema ${ref.checksum} of block type "${ref.slug}"; create the nested schema first`,
        );
      return { name: ref.name, id: match.id };
    });
  }

  private async byChecksum(q: Executor, checksum: string, version: string | undefined) {
    const [row] = await q
      .select()
      .from(this.t)
      .where(
        and(eq(this.t.checksum, checksum), version === undefined ? undefined : eq(this.t.version, version)),
      )
      .orderBy(asc(this.t.created), asc(this.t.id))
      .limit(1);
    return row ?? null;
  }

  async get(id: string): Promise<BlockSchema | null> {
    const schemaId = parse(uuid, id, 'block schema id');
    return this.ctx.run(async (q) => {
      const [row] = await q.select().from(this.t).where(eq(this.t.id, schemaId));
      return row ?? null;
    });
  }

  /** The schema with that checksum and version; without a version, the oldest with that checksum. */
  async getByChecksum(checksum: string, version?: string): Promise<BlockSchema | null> {
    const sum = parse(blockSchemaChecksum, checksum, 'block schema checksum');
    const v = version === undefined ? undefined : parse(blockSchemaVersion, version, 'block schema version');
    return this.ctx.run((q) => this.byChecksum(q, sum, v));
  }

  /**
   * Schemas, oldest first. Filters: `blockTypeId.any`, `capabilities.all` (has every one),
   * `version.any`.
   */
  async list(options: BlockSchemaListOptions = {}): Promise<BlockSchema[]> {
    const o = parse(blockSchemaList, options, 'block schema list options');
    const f = this.ctx.fragments;
    const w = o.where;
    return this.ctx.run(async (q) => {
      const query = q
        .select()
        .from(this.t)
        .where(
          and(
            w?.blockTypeId?.any === undefined
              ? undefined
              : f.inList(this.t.blockTypeId, w.blockTypeId.any, 'uuid'),
            w?.capabilities?.all === undefined
              ? undefined
              : f.jsonListContainsAll(this.t.capabilities, w.capabilities.all),
            w?.version?.any === undefined ? undefined : f.inList(this.t.version, w.version.any, 'text'),
          ),
        )
        .orderBy(asc(this.t.created), asc(this.t.id))
        .$dynamic();
      return paged(query, o, f);
    });
  }

  /**
   * Deletes a schema with its documents (ON DELETE CASCADE); `ConflictError` when one of them is
   * referenced by a document of another schema (references among its own documents go with them),
   * `NotFoundError` when there is no such schema.
   */
  async delete(id: string): Promise<void> {
    const schemaId = parse(uuid, id, 'block schema id');
    await this.ctx.transaction(async (q) => {
      await dropReferencesFrom(this.ctx, q, 'blockSchemaId', schemaId);
      const deleted = await q.delete(this.t).where(eq(this.t.id, schemaId)).returning({ id: this.t.id });
      if (deleted.length === 0) throw new NotFoundError('block schema', schemaId);
    });
  }
}
