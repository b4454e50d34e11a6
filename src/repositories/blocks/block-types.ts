/**
 * Block types (data-model.md "Blocks"): the kinds of block a server knows (`s3-bucket`,
 * `secret`, ...), identified by slug.
 */
import { and, asc, eq, isNull, ne, or } from 'drizzle-orm';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { blockType } from '../../schema/postgres/blocks.js';
import type { RepositoryContext } from '../context.js';
import { paged } from '../sorting.js';
import { dropReferencesFrom } from './references.js';
import { parse, uuid } from '../validation.js';
import {
  type BlockTypeListOptions,
  type BlockTypeUpsert,
  blockTypeList,
  blockTypeSlug,
  blockTypeUpsert,
} from './inputs.js';

/** A block type as stored. */
export type BlockType = typeof blockType.$inferSelect;

/**
 * `db.blockTypes`: upsert by slug, read, list by name, delete (protected types refuse).
 *
 * ```ts
 * const type = await db.blockTypes.upsert({ slug: 'aws-credentials', name: 'AWS Credentials' });
 * await db.blockTypes.getBySlug('aws-credentials');
 * ```
 */
export class BlockTypeRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private get t() {
    return this.ctx.tables.blockType;
  }

  /**
   * Creates the type, or updates the one with that slug (fields not given keep their value).
   * A new name is copied to the type's documents (`blockTypeName`) in the same transaction.
   * Throws `ValidationError` on bad input.
   */
  async upsert(input: BlockTypeUpsert): Promise<BlockType> {
    const data = parse(blockTypeUpsert, input, 'block type');
    return this.ctx.transaction(async (q) => {
      const now = new Date();
      const { slug, ...rest } = data;
      const [row] = await q
        .insert(this.t)
        .values({ ...data, created: now, updated: now })
        .onConflictDoUpdate({ target: this.t.slug, set: { ...rest, updated: now } })
        .returning();
      const d = this.ctx.tables.blockDocument;
      await q
        .update(d)
        .set({ blockTypeName: row!.name })
        .where(and(eq(d.blockTypeId, row!.id), or(isNull(d.blockTypeName), ne(d.blockTypeName, row!.name))));
      return row!;
    });
  }

  async get(id: string): Promise<BlockType | null> {
    const typeId = parse(uuid, id, 'block type id');
    return this.ctx.run(async (q) => {
      const [row] = await q.select().from(this.t).where(eq(this.t.id, typeId));
      return row ?? null;
    });
  }

  async getBySlug(slug: string): Promise<BlockType | null> {
    const wanted = parse(blockTypeSlug, slug, 'block type slug');
    return this.ctx.run(async (q) => {
      const [row] = await q.select().from(this.t).where(eq(this.t.slug, wanted));
      return row ?? null;
    });
  }

  /** Types in name order (then id); `where.name.like` is a case-insensitive substring, `where.slug.any` a list. */
  async list(options: BlockTypeListOptions = {}): Promise<BlockType[]> {
    const o = parse(blockTypeList, options, 'block type list options');
    const f = this.ctx.fragments;
    return this.ctx.run(async (q) => {
      const query = q
        .select()
        .from(this.t)
        .where(
          and(
            o.where?.name?.like === undefined
              ? undefined
              : f.containsInsensitive(this.t.name, o.where.name.like),
            o.where?.slug?.any === undefined ? undefined : f.inList(this.t.slug, o.where.slug.any, 'text'),
          ),
        )
        .orderBy(asc(this.t.name), asc(this.t.id))
        .$dynamic();
      return paged(query, o, f);
    });
  }

  /**
   * Deletes a type with its schemas and documents (ON DELETE CASCADE). A protected type is a
   * `ConflictError`, and so is one whose documents a document of another type still references
   * (references among its own documents go with them); a missing one a `NotFoundError`.
   */
  async delete(id: string): Promise<void> {
    const typeId = parse(uuid, id, 'block type id');
    await this.ctx.transaction(async (q) => {
      // Locked on PostgreSQL, so of two concurrent deletes the second finds nothing (NotFoundError),
      // as on SQLite.
      let query = q
        .select({ isProtected: this.t.isProtected })
        .from(this.t)
        .where(eq(this.t.id, typeId))
        .$dynamic();
      if (this.ctx.rowLocking) query = query.for('update');
      const [row] = await query;
      if (!row) throw new NotFoundError('block type', typeId);
      if (row.isProtected)
        throw new ConflictError(
          'block type',
          'protected',
          `Block type ${typeId} is protected and cannot be deleted`,
        );
      await dropReferencesFrom(this.ctx, q, 'blockTypeId', typeId);
      await q.delete(this.t).where(eq(this.t.id, typeId));
    });
  }
}
