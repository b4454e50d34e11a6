/**
 * References between block documents (data-model.md "Blocks", semantics.md §8 "References"): a
 * top-level `{ "$ref": { "block_document_id": … } }` value is a `block_document_reference` row.
 * They may not form a cycle and nest at most MAX_REFERENCE_DEPTH levels. Where rows lock
 * (PostgreSQL), the documents walked are locked FOR UPDATE, so two writers adding the two halves of
 * a cycle (or of a too-deep chain) share a row and the second sees the first's reference.
 */
import { eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { batches, insertParametersPerRow } from '../batches.js';
import type { RepositoryContext } from '../context.js';
import type { JsonValue } from '../validation.js';

/** References nest at most this many levels (a document referencing one that references none: 1). */
export const MAX_REFERENCE_DEPTH = 50;

/** The document id a top-level value references, if it is a reference. */
export function referencedId(value: JsonValue | undefined): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const ref = value.$ref;
  if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) return undefined;
  const id = ref.block_document_id;
  return typeof id === 'string' ? id.toLowerCase() : undefined;
}

/** The references of a document's data: field name → referenced document id. */
export function referencesOf(data: Record<string, JsonValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    const id = referencedId(value);
    if (id !== undefined) out[key] = id;
  }
  return out;
}

/** Locks (where rows lock) and returns the ids of these documents that exist. */
async function lockDocuments(
  ctx: RepositoryContext,
  q: Executor,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const d = ctx.tables.blockDocument;
  let query = q
    .select({ id: d.id })
    .from(d)
    .where(ctx.fragments.inList(d.id, ids, 'uuid'))
    .orderBy(d.id)
    .$dynamic();
  if (ctx.rowLocking) query = query.for('update');
  return new Set((await query).map((r) => r.id));
}

/**
 * Walks the references from `start` in one direction, a level per query, locking each level.
 * Returns every document reached and how many levels there were below (or above) `start`.
 */
async function walk(
  ctx: RepositoryContext,
  q: Executor,
  start: readonly string[],
  direction: 'down' | 'up',
): Promise<{ reached: Set<string>; levels: number }> {
  const r = ctx.tables.blockDocumentReference;
  const from = direction === 'down' ? r.parentBlockDocumentId : r.referenceBlockDocumentId;
  const to = direction === 'down' ? r.referenceBlockDocumentId : r.parentBlockDocumentId;
  const reached = new Set<string>();
  let frontier = [...new Set(start)];
  let levels = 0;
  // One level more than allowed is enough to tell "too deep"; the bound also ends a cycle.
  while (frontier.length > 0 && levels <= MAX_REFERENCE_DEPTH + 1) {
    const rows = await q
      .select({ next: to })
      .from(r)
      .where(ctx.fragments.inList(from, frontier, 'uuid'));
    const next = [...new Set(rows.map((row) => row.next))];
    if (next.length === 0) break;
    await lockDocuments(ctx, q, next);
    for (const id of next) reached.add(id);
    frontier = next;
    levels += 1;
  }
  return { reached, levels };
}

/**
 * Checks the references `refs` that document `parentId` is about to hold (`isNew`: it has no
 * ancestors yet): every referenced document exists (`NotFoundError`), none is the document itself
 * or one of its ancestors (a cycle: `ValidationError`), and no chain through it nests deeper than
 * MAX_REFERENCE_DEPTH (`ValidationError`).
 */
export async function checkReferences(
  ctx: RepositoryContext,
  q: Executor,
  parentId: string,
  refs: Record<string, string>,
  isNew: boolean,
): Promise<void> {
  const children = [...new Set(Object.values(refs))];
  if (children.length === 0) return;
  const existing = await lockDocuments(ctx, q, children);
  for (const [field, id] of Object.entries(refs)) {
    if (!existing.has(id))
      throw new NotFoundError(
        'block document',
        id,
        `block document ${id} referenced by data.${field} does not exist`,
      );
    if (id === parentId) throw cycleError(field);
  }
  const below = await walk(ctx, q, children, 'down');
  if (below.reached.has(parentId)) {
    const field = Object.keys(refs)[0]!;
    throw cycleError(field);
  }
  const above = isNew ? 0 : (await walk(ctx, q, [parentId], 'up')).levels;
  const depth = above + 1 + below.levels;
  if (depth > MAX_REFERENCE_DEPTH) {
    throw new ValidationError(
      `Invalid block document data: references would nest ${depth} levels deep; at most ${MAX_REFERENCE_DEPTH}`,
      [{ path: ['data'], message: `references nest at most ${MAX_REFERENCE_DEPTH} levels` }],
    );
  }
}

function cycleError(field: string): ValidationError {
  return new ValidationError(
    `Invalid block document data: data.${field}: the reference would make a cycle (the document would contain itself)`,
    [{ path: ['data', field], message: 'reference cycle' }],
  );
}

/** Replaces the reference rows of `parentId` with `refs`. */
export async function writeReferences(
  ctx: RepositoryContext,
  q: Executor,
  parentId: string,
  refs: Record<string, string>,
  now: Date,
): Promise<void> {
  const r = ctx.tables.blockDocumentReference;
  await q.delete(r).where(eq(r.parentBlockDocumentId, parentId));
  const rows = Object.entries(refs).map(([name, id]) => ({
    name,
    parentBlockDocumentId: parentId,
    referenceBlockDocumentId: id,
    created: now,
    updated: now,
  }));
  const limits = {
    maxParameters: ctx.dialect.capabilities.maxParameters,
    parametersPerRow: insertParametersPerRow(r),
  };
  for (const batch of batches(rows, limits)) await q.insert(r).values(batch);
}

/**
 * Before deleting every document of a block type or schema: drops the references those documents
 * hold, so references among them do not stop the delete (RESTRICT fires per row, before the
 * cascade would remove the referencing row). References from documents that stay still refuse it.
 */
export async function dropReferencesFrom(
  ctx: RepositoryContext,
  q: Executor,
  column: 'blockTypeId' | 'blockSchemaId',
  id: string,
): Promise<void> {
  const r = ctx.tables.blockDocumentReference;
  const d = ctx.tables.blockDocument;
  await q
    .delete(r)
    .where(inArray(r.parentBlockDocumentId, q.select({ id: d.id }).from(d).where(eq(d[column], id))));
}
