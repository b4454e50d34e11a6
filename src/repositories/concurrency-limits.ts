/**
 * Tag concurrency limits (Prefect's task-run tag limits), built on the global limits: the limit of
 * tag `t` is the global limit named `tag:t`, and each slot is a lease without TTL held by the task
 * run, one per (task run, tag) (semantics.md §6), so acquiring twice takes one slot and releasing a
 * subset of tags works. Concurrent acquires for one task run lock the limit rows before looking for
 * the run's leases, so they cannot both take a slot.
 */
import { and, asc, eq, getTableColumns, gt, sql } from 'drizzle-orm';
import { type Executor, LATER } from '../dialect/dialect.js';
import { NotFoundError } from '../errors.js';
import { TERMINAL_STATE_TYPES } from '../schema/enums.js';
import type { RepositoryContext } from './context.js';
import { describeLeases, tagLimitHolders } from './limits/views.js';
import type { LimitRow } from './limits/decay.js';
import {
  type AcquireResult,
  TAG_PREFIX,
  TASK_RUN_HOLDER,
  type TagAcquireInput,
  type TagLimitCreate,
  limitTag,
  tagAcquireInput,
  tagLimitCreate,
  tagLimitList,
} from './limits/inputs.js';
import { LEASE_BATCH, LockedLimits, isTagName, releaseLeaseBatch } from './limits/locked.js';
import {
  acquireTagsFast,
  acquireTagsNowOnSqlite,
  onTransaction,
  releaseTagsFast,
  releaseTagsNowOnSqlite,
} from './limits/tag-fast.js';
import { acquireTagsLocked, releaseTagsLocked } from './limits/tag-general.js';
import { paged } from './sorting.js';
import { parse, uuid } from './validation.js';
import type { ConcurrencyLimit } from '../public/limits.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * `db.concurrencyLimits`: tag limits held by task runs (docs/limits.md). Bad input is a
 * `ValidationError` with nothing written; an unknown limit a `NotFoundError`.
 *
 * ```ts
 * await db.concurrencyLimits.create({ tag: 'database', limit: 10 });
 * const r = await db.concurrencyLimits.acquire({ taskRunId, tags: ['database', 'api'] });
 * // ... later, or let a periodic releaseFinished() do it once the task run is terminal
 * await db.concurrencyLimits.release({ taskRunId, tags: ['database', 'api'] });
 * ```
 */
export class ConcurrencyLimitRepository {
  /**
   * @param fastRoute false: every acquire and release takes the general path (tag-general.ts);
   * for tests comparing the two routes.
   */
  constructor(
    private readonly ctx: RepositoryContext,
    private readonly fastRoute = true,
  ) {}

  private get t() {
    return this.ctx.tables.concurrencyLimitV2;
  }

  private get l() {
    return this.ctx.tables.concurrencyLease;
  }

  /** The limit's columns and, from the same snapshot, its holders (tagLimitHolders). */
  private get withHolders() {
    return { ...getTableColumns(this.t), holders: tagLimitHolders(this.ctx) };
  }

  /**
   * The API's shape of limit rows: with the holders read alongside them (`holders`, JSON text), or
   * else read now, which is consistent only where the rows are locked (a write's own transaction).
   */
  private async describe(
    q: Executor,
    rows: (LimitRow & { holders?: string })[],
  ): Promise<ConcurrencyLimit[]> {
    const holders = new Map<string, string[]>();
    const ids = rows.filter((r) => r.holders === undefined).map((r) => r.id);
    for (const r of rows) if (r.holders !== undefined) holders.set(r.id, JSON.parse(r.holders) as string[]);
    if (ids.length > 0) {
      const leases = await q
        .select()
        .from(this.l)
        .where(
          and(
            eq(this.l.holderType, TASK_RUN_HOLDER),
            this.ctx.fragments.jsonListContainsAny(this.l.limitIds, ids),
          ),
        )
        .orderBy(asc(this.l.created), asc(this.l.id));
      for (const lease of leases) {
        for (const id of lease.limitIds) holders.set(id, [...(holders.get(id) ?? []), lease.holderId!]);
      }
    }
    return rows.map((r) => ({
      id: r.id,
      tag: r.name.slice(TAG_PREFIX.length),
      limit: r.limit,
      activeSlots: r.activeSlots,
      taskRunIds: holders.get(r.id) ?? [],
      created: r.created,
      updated: r.updated,
    }));
  }

  /** Creates the limit of a tag, or sets the limit of an existing one (an upsert by tag, as Prefect's). */
  async create(input: TagLimitCreate): Promise<ConcurrencyLimit> {
    const data = parse(tagLimitCreate, input, 'concurrency limit');
    const now = new Date();
    return this.ctx.transaction(async (q) => {
      const [row] = await q
        .insert(this.t)
        .values({
          name: TAG_PREFIX + data.tag,
          limit: data.limit,
          slotDecayAt: now,
          created: now,
          updated: now,
        })
        .onConflictDoUpdate({ target: this.t.name, set: { limit: data.limit, updated: now } })
        .returning();
      return (await this.describe(q, [row!]))[0]!;
    });
  }

  async get(id: string): Promise<ConcurrencyLimit | null> {
    const limitId = parse(uuid, id, 'concurrency limit id');
    return this.ctx.run(async (q) => {
      const rows = await q
        .select(this.withHolders)
        .from(this.t)
        .where(and(eq(this.t.id, limitId), isTagName(this.t.name)));
      return (await this.describe(q, rows))[0] ?? null;
    });
  }

  async getByTag(tag: string): Promise<ConcurrencyLimit | null> {
    const wanted = parse(limitTag, tag, 'concurrency limit tag');
    return this.ctx.run(async (q) => {
      const rows = await q
        .select(this.withHolders)
        .from(this.t)
        .where(eq(this.t.name, TAG_PREFIX + wanted));
      return (await this.describe(q, rows))[0] ?? null;
    });
  }

  /** Tag limits in tag order. */
  async list(options: { limit?: number; offset?: number } = {}): Promise<ConcurrencyLimit[]> {
    const o = parse(tagLimitList, options, 'concurrency limit list options');
    return this.ctx.run(async (q) => {
      const query = q
        .select(this.withHolders)
        .from(this.t)
        .where(isTagName(this.t.name))
        .orderBy(asc(this.t.name))
        .$dynamic();
      return this.describe(q, await paged(query, o, this.ctx.fragments));
    });
  }

  /** Deletes a tag limit and the task runs' leases on it; NotFoundError when there is none. */
  async delete(id: string): Promise<void> {
    const limitId = parse(uuid, id, 'concurrency limit id');
    await this.ctx.transaction(async (q) => {
      const locked = await LockedLimits.forIds(this.ctx, q, [limitId]);
      const [row] = locked.rows;
      if (!row?.name.startsWith(TAG_PREFIX)) throw new NotFoundError('concurrency limit', limitId);
      await this.deleteTagLeases(q, limitId);
      await q.delete(this.t).where(eq(this.t.id, limitId));
    });
  }

  /** Frees every slot of a tag (its task runs' leases go, active and denied slots become 0). */
  async reset(tag: string): Promise<ConcurrencyLimit> {
    const wanted = parse(limitTag, tag, 'concurrency limit tag');
    return this.ctx.transaction(async (q) => {
      const locked = await LockedLimits.forNames(this.ctx, q, [TAG_PREFIX + wanted]);
      const [row] = locked.rows;
      if (!row)
        throw new NotFoundError(
          'concurrency limit',
          wanted,
          `concurrency limit for tag "${wanted}" not found`,
        );
      await this.deleteTagLeases(q, row.id);
      const [updated] = await q
        .update(this.t)
        .set({ activeSlots: 0, deniedSlots: 0, slotDecayAt: locked.now, updated: locked.now })
        .where(eq(this.t.id, row.id))
        .returning();
      return (await this.describe(q, [updated!]))[0]!;
    });
  }

  /** Tag leases hold exactly one limit, so those on this limit are whole. */
  private async deleteTagLeases(q: Executor, limitId: string): Promise<void> {
    await q
      .delete(this.l)
      .where(
        and(
          eq(this.l.holderType, TASK_RUN_HOLDER),
          this.ctx.fragments.jsonListContainsAny(this.l.limitIds, [limitId]),
        ),
      );
  }

  /**
   * Takes one slot of every tag's limit for the task run, or none (all-or-nothing). Tags without a
   * limit (or an inactive one) impose nothing; tags the run already holds are not taken again. A
   * limit of 0 answers `{ acquired: false, retryAfterSeconds: null }` at once.
   */
  async acquire(input: TagAcquireInput): Promise<AcquireResult> {
    const data = parse(tagAcquireInput, input, 'concurrency limit acquire');
    const names = [...new Set(data.tags)].map((tag) => TAG_PREFIX + tag);
    if (names.length === 0) return { acquired: true };
    const general = (q: Executor) => acquireTagsLocked(this.ctx, q, data.taskRunId, names);
    if (!this.fastRoute) return this.ctx.transaction(general);
    // The common case in fewer statements (limits/tag-fast.ts); what it leaves, the general path
    // decides, within the same call.
    const send = this.oneTrip();
    if (send) {
      const fast = await this.ctx.statement((q) =>
        acquireTagsFast(this.ctx, q, data.taskRunId, names, { send, alone: true }),
      );
      return fast ?? this.ctx.transaction(general);
    }
    if (!this.ctx.rowLocking) {
      // SQLite with nothing queued: the whole transaction now (issue 13); undefined wrote nothing.
      const now = this.ctx.transactionNow((q) => acquireTagsNowOnSqlite(this.ctx, q, data.taskRunId, names));
      if (now !== LATER) return now ?? this.ctx.transaction(general);
    }
    return this.ctx.transaction(
      async (q) =>
        (await acquireTagsFast(
          this.ctx,
          q,
          data.taskRunId,
          names,
          this.ctx.rowLocking ? { send: onTransaction(this.ctx, q), alone: false } : undefined,
        )) ?? general(q),
    );
  }

  /**
   * PostgreSQL over the network, outside a caller's transaction: the fast route's statements as a
   * transaction of their own sent in one trip with BEGIN and COMMIT (tag-fast.ts); else undefined.
   */
  private oneTrip() {
    const inOneTrip = this.ctx.dialect.transactionInOneTrip;
    if (!this.ctx.rowLocking || !inOneTrip || this.ctx.inTransaction()) return undefined;
    return (statements: { text: string; params: unknown[] }[]) =>
      inOneTrip.call(this.ctx.dialect, statements);
  }

  /** Frees the task run's slots on these tags (tags it does not hold are ignored). */
  async release(input: TagAcquireInput): Promise<void> {
    const data = parse(tagAcquireInput, input, 'concurrency limit release');
    const names = [...new Set(data.tags)].map((tag) => TAG_PREFIX + tag);
    if (names.length === 0) return;
    const general = (q: Executor) => releaseTagsLocked(this.ctx, q, data.taskRunId, names);
    if (!this.fastRoute) return this.ctx.transaction(general);
    const send = this.oneTrip();
    if (send) {
      const done = await this.ctx.statement((q) =>
        releaseTagsFast(this.ctx, q, data.taskRunId, names, { send }),
      );
      if (!done) await this.ctx.transaction(general);
      return;
    }
    if (!this.ctx.rowLocking) {
      const now = this.ctx.transactionNow((q) => releaseTagsNowOnSqlite(this.ctx, q, data.taskRunId, names));
      if (now === true) return;
      if (now === false) return this.ctx.transaction(general);
    }
    await this.ctx.transaction(async (q) => {
      const pg = this.ctx.rowLocking ? { send: onTransaction(this.ctx, q) } : undefined;
      if (!(await releaseTagsFast(this.ctx, q, data.taskRunId, names, pg))) await general(q);
    });
  }

  /**
   * Frees the slots of task runs in a terminal state (COMPLETED, FAILED, CANCELLED, CRASHED) and of
   * task runs that no longer exist; returns how many leases it released. Meant to run periodically
   * (docs/limits.md). Works in batches, each its own transaction.
   */
  async releaseFinished(): Promise<number> {
    let total = 0;
    let after: string | undefined;
    const tr = this.ctx.tables.taskRun;
    for (;;) {
      const leases = await this.ctx.run((q) =>
        q
          .select({ id: this.l.id, limitIds: this.l.limitIds, holderId: this.l.holderId })
          .from(this.l)
          .where(
            and(
              eq(this.l.holderType, TASK_RUN_HOLDER),
              after === undefined ? undefined : gt(this.l.id, after),
            ),
          )
          .orderBy(asc(this.l.id))
          .limit(LEASE_BATCH),
      );
      if (leases.length === 0) return total;
      after = leases[leases.length - 1]!.id;
      const runIds = [...new Set(leases.map((l) => l.holderId!).filter((id) => UUID.test(id)))];
      const alive = new Set(
        runIds.length === 0
          ? []
          : (
              await this.ctx.run((q) =>
                q
                  .select({ id: tr.id })
                  .from(tr)
                  .where(
                    and(
                      this.ctx.fragments.inList(tr.id, runIds, 'uuid'),
                      sql`coalesce(${tr.stateType} not in (${sql.join(
                        TERMINAL_STATE_TYPES.map((s) => sql`${s}`),
                        sql`, `,
                      )}), true)`,
                    ),
                  ),
              )
            ).map((r) => r.id),
      );
      total += await releaseLeaseBatch(
        this.ctx,
        leases.filter((lease) => !alive.has(lease.holderId!)),
        false,
      );
      if (leases.length < LEASE_BATCH) return total;
    }
  }

  /** The task runs' leases (no TTL), for operators: same shape as `globalConcurrencyLimits.listLeases`. */
  async listLeases(tag: string) {
    const wanted = parse(limitTag, tag, 'concurrency limit tag');
    return this.ctx.run(async (q) => {
      const [row] = await q
        .select({ id: this.t.id })
        .from(this.t)
        .where(eq(this.t.name, TAG_PREFIX + wanted));
      if (!row) return [];
      const rows = await q
        .select()
        .from(this.l)
        .where(
          and(
            eq(this.l.holderType, TASK_RUN_HOLDER),
            this.ctx.fragments.jsonListContainsAny(this.l.limitIds, [row.id]),
          ),
        )
        .orderBy(asc(this.l.created), asc(this.l.id));
      return describeLeases(this.ctx, q, rows);
    });
  }
}

// The public shape (src/public/) is the one definition.
export type { ConcurrencyLimit };
