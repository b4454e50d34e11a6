/**
 * The database's block key (docs/blocks.md "One key per database", semantics.md §8): the kid of
 * the key every block document is encrypted with is kept in `configuration`
 * (`block_encryption_kid`), written by the first encrypting write and by rotation. Every write that
 * encrypts checks it under a row lock, so a handle opened with another key (a misconfigured
 * replica, a setting key mixed with the stored one) cannot write a document the correctly keyed
 * handles then fail to list or rotate; and two handles with different keys racing on an empty
 * database cannot both win (the row's unique key lets one insert it; the other reads it).
 */
import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import { ConfigurationError } from '../../errors.js';
import type { RepositoryContext } from '../context.js';
import { isEncryptedData } from './encryption.js';
import type { CurrentKey } from './keyring.js';

/** The `configuration` key of the database's block key id (`{ "kid": <hex> }`). */
export const RECORDED_KID = 'block_encryption_kid';

/**
 * The kid error, one wording for reads and writes: `subject` is encrypted with `kid`, but this
 * handle's key (named by where it came from) is another.
 */
export function kidMismatch(
  subject: string,
  kid: string,
  current: CurrentKey | undefined,
): ConfigurationError {
  const where = current === undefined ? 'no key is configured' : `${current.origin} is ${current.kid}`;
  return new ConfigurationError(
    `${subject} encrypted with key ${kid}, but ${where}: open the database with the key it was written with (docs/blocks.md)`,
  );
}

/**
 * Refuses, before anything is written, a write with `key` when the database's documents use
 * another key. Locks the recorded row: `share` for document writes (a rotation waits for them),
 * `update` for a rotation. A database without a recorded kid adopts its oldest document's (one
 * written before the kid was recorded), or `key`'s when it has no document. A database whose
 * documents are all gone takes `key`: no document would become unreadable.
 */
export async function checkWriteKey(
  ctx: RepositoryContext,
  q: Executor,
  key: CurrentKey,
  lock: 'share' | 'update',
): Promise<void> {
  let recorded = await readRecorded(ctx, q, lock);
  if (recorded === undefined) {
    const c = ctx.tables.configuration;
    const now = new Date();
    const kid = (await oldestDocumentKid(ctx, q)) ?? key.kid;
    // Two first writers: the unique key lets one insert; the other waits for it, then reads its kid.
    await q
      .insert(c)
      .values({ key: RECORDED_KID, value: { kid }, created: now, updated: now })
      .onConflictDoNothing({ target: c.key });
    recorded = await readRecorded(ctx, q, lock);
  }
  if (recorded === key.kid) return;
  if (!(await anyDocument(ctx, q))) {
    await recordKid(ctx, q, key.kid);
    // Checked again once the row is ours: the update waited for writers holding it, whose
    // documents this new statement now sees (PostgreSQL's read committed).
    if (!(await anyDocument(ctx, q))) return;
  }
  throw kidMismatch('The block documents of this database are', recorded ?? 'unknown', key);
}

/** Records `kid` as the database's block key (a rotation, after re-encrypting every document). */
export async function recordKid(ctx: RepositoryContext, q: Executor, kid: string): Promise<void> {
  const c = ctx.tables.configuration;
  await q.update(c).set({ value: { kid }, updated: new Date() }).where(eq(c.key, RECORDED_KID));
}

async function readRecorded(
  ctx: RepositoryContext,
  q: Executor,
  lock: 'share' | 'update',
): Promise<string | undefined> {
  const c = ctx.tables.configuration;
  let query = q.select({ value: c.value }).from(c).where(eq(c.key, RECORDED_KID)).$dynamic();
  if (ctx.rowLocking) query = query.for(lock);
  const [row] = await query;
  if (!row) return undefined;
  const kid = (row.value as { kid?: unknown }).kid;
  if (typeof kid !== 'string' || !/^[0-9a-f]{16}$/.test(kid))
    throw new ConfigurationError(
      `The configuration row "${RECORDED_KID}" does not hold a key id; it was altered outside the library`,
    );
  return kid;
}

async function oldestDocumentKid(ctx: RepositoryContext, q: Executor): Promise<string | undefined> {
  const d = ctx.tables.blockDocument;
  // ids are UUIDv7: the first one is the oldest document, written before any mixed-in key.
  const [row] = await q.select({ data: d.data }).from(d).orderBy(asc(d.id)).limit(1);
  return row && isEncryptedData(row.data) ? row.data.kid : undefined;
}

async function anyDocument(ctx: RepositoryContext, q: Executor): Promise<boolean> {
  const d = ctx.tables.blockDocument;
  return (await q.select({ id: d.id }).from(d).limit(1)).length > 0;
}
