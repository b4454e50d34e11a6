import { type SQL, and, count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { Executor } from '../dialect/dialect.js';
import type { flow } from '../schema/postgres/runs.js';
import { rowById } from './by-id.js';
import type { RepositoryContext } from './context.js';
import { idConditions, idFilter, tagsConditions, tagsFilter, textConditions, textFilter } from './filters.js';
import { NAMED_ENTITY_SORTS, namedEntityOrder, paged } from './sorting.js';
import { entityName, labels, limit, offset, parse, tags, uuid } from './validation.js';
import { columnsOf, readRows } from './table-rows.js';

export type Flow = typeof flow.$inferSelect;

const flowNameSchema = entityName(['flow', 'name']);
const flowCreate = z.strictObject({
  name: flowNameSchema,
  tags: tags.optional(),
  labels: labels.nullable().optional(),
});
const flowUpdate = z.strictObject({ tags: tags.optional(), labels: labels.nullable().optional() });
export const flowWhere = z.strictObject({
  id: idFilter.optional(),
  name: textFilter.optional(),
  tags: tagsFilter.optional(),
});
export const FLOW_SORTS = NAMED_ENTITY_SORTS;
const flowList = z.strictObject({
  where: flowWhere.optional(),
  sort: z.enum(FLOW_SORTS).optional(),
  limit: limit.optional(),
  offset: offset.optional(),
});
const flowCount = z.strictObject({ where: flowWhere.optional() });

export type FlowCreate = z.input<typeof flowCreate>;
export type FlowUpdate = z.input<typeof flowUpdate>;
export type FlowWhere = z.input<typeof flowWhere>;
export type FlowSort = (typeof FLOW_SORTS)[number];
export type FlowListOptions = z.input<typeof flowList>;

/** Flows: named, tagged groups of runs. */
export class FlowRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private get t() {
    return this.ctx.tables.flow;
  }

  /** SQL conditions for a flow filter; also used by the flow-run `flow` related filter. */
  conditions(where: z.output<typeof flowWhere> | undefined): SQL[] {
    if (!where) return [];
    const f = this.ctx.fragments;
    return [
      ...idConditions(this.t.id, where.id, f),
      ...textConditions(this.t.name, where.name, f),
      ...tagsConditions(this.t.tags, where.tags, f),
    ];
  }

  /** Creates a flow, or returns the existing one with that name. */
  async create(input: FlowCreate): Promise<Flow> {
    const data = parse(flowCreate, input, 'flow');
    return this.ctx.transaction(async (q) => {
      const [created] = await q
        .insert(this.t)
        .values({ name: data.name, tags: data.tags ?? [], labels: data.labels ?? null })
        .onConflictDoNothing({ target: this.t.name })
        .returning();
      return created ?? (await this.byName(q, data.name))!;
    });
  }

  private async byName(q: Executor, flowName: string): Promise<Flow | null> {
    const [row] = await q.select().from(this.t).where(eq(this.t.name, flowName));
    return row ?? null;
  }

  async get(id: string): Promise<Flow | null> {
    const flowId = parse(uuid, id, 'flow id');
    return this.ctx.run(async (q) => (await rowById<Flow>(this.ctx, q, 'flow', this.t, flowId)) ?? null);
  }

  async getByName(flowName: string): Promise<Flow | null> {
    const valid = parse(flowNameSchema, flowName, 'flow name');
    return this.ctx.run((q) => this.byName(q, valid));
  }

  async list(options: FlowListOptions = {}): Promise<Flow[]> {
    const o = parse(flowList, options, 'flow list options');
    const order = namedEntityOrder(this.t, o.sort);
    return this.ctx.run(async (q) => {
      let query = q
        .select()
        .from(this.t)
        .where(and(...this.conditions(o.where)))
        .orderBy(...order)
        .$dynamic();
      query = paged(query, o, this.ctx.fragments);
      return readRows<Flow>(this.ctx, q, query, columnsOf(this.t));
    });
  }

  async count(options: { where?: FlowWhere } = {}): Promise<number> {
    const o = parse(flowCount, options, 'flow count options');
    return this.ctx.run(async (q) => {
      const [row] = await q
        .select({ n: count() })
        .from(this.t)
        .where(and(...this.conditions(o.where)));
      return Number(row?.n ?? 0);
    });
  }

  async update(id: string, patch: FlowUpdate): Promise<Flow> {
    const flowId = parse(uuid, id, 'flow id');
    const data = parse(flowUpdate, patch, 'flow update');
    return this.ctx.run(async (q) => {
      const [row] = await q
        .update(this.t)
        .set({ ...data, updated: new Date() })
        .where(eq(this.t.id, flowId))
        .returning();
      if (!row) throw new NotFoundError('flow', flowId);
      return row;
    });
  }

  /** Deletes a flow; its runs and deployments go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<void> {
    const flowId = parse(uuid, id, 'flow id');
    await this.ctx.run(async (q) => {
      const deleted = await q.delete(this.t).where(eq(this.t.id, flowId)).returning({ id: this.t.id });
      if (deleted.length === 0) throw new NotFoundError('flow', flowId);
    });
  }
}
