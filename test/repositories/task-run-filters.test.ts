/**
 * Task runs filtered by their related flow run, flow and deployment (issue 11 §5), checked against
 * an in-memory model over random filters on both dialects; `list` and `count` take the same.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

const TAGS = ['a', 'b', 'c'];
const FLOWS = ['etl', 'report', 'sync'];
const DEPLOYMENTS = ['nightly', 'hourly'];

function prng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

interface Model {
  taskRunId: string;
  taskTags: string[];
  flowRun: { id: string; tags: string[]; name: string } | null;
  flow: { id: string; name: string } | null;
  deployment: { id: string; name: string; tags: string[] } | null;
}

type Tags = { all?: string[]; any?: string[] };
type Text = { any?: string[] };
const matchTags = (tags: string[], f: Tags | undefined) =>
  !f || ((!f.all || f.all.every((t) => tags.includes(t))) && (!f.any || f.any.some((t) => tags.includes(t))));
const matchText = (value: string | undefined, f: Text | undefined) =>
  !f || (!!f.any && value !== undefined && f.any.includes(value));

interface Query {
  where?: { tags?: Tags };
  flowRun?: { tags?: Tags; name?: Text; id?: Text };
  flow?: { name?: Text };
  deployment?: { name?: Text; tags?: Tags };
}

function matches(m: Model, q: Query): boolean {
  if (!matchTags(m.taskTags, q.where?.tags)) return false;
  const related = q.flowRun || q.flow || q.deployment;
  if (!related) return true;
  if (!m.flowRun) return false;
  if (q.flowRun) {
    if (!matchTags(m.flowRun.tags, q.flowRun.tags)) return false;
    if (q.flowRun.name && !matchText(m.flowRun.name, q.flowRun.name)) return false;
    if (q.flowRun.id && !matchText(m.flowRun.id, q.flowRun.id)) return false;
  }
  if (q.flow && !matchText(m.flow!.name, q.flow.name)) return false;
  if (q.deployment) {
    if (!m.deployment) return false;
    if (q.deployment.name && !matchText(m.deployment.name, q.deployment.name)) return false;
    if (!matchTags(m.deployment.tags, q.deployment.tags)) return false;
  }
  return true;
}

describe.each(DIALECTS)('task runs filtered by flow run, flow and deployment (%s)', (dialect) => {
  let db: Database;
  const model: Model[] = [];
  const flowRunIds: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    const rand = prng(11);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const someTags = () => TAGS.filter(() => rand() < 0.4);
    const flows = [];
    for (const name of FLOWS) {
      const flow = await db.flows.create({ name });
      const deployments = [];
      for (const d of DEPLOYMENTS)
        deployments.push(await db.deployments.upsert({ flowId: flow.id, name: d, tags: someTags() }));
      flows.push({ flow, deployments });
    }
    for (let i = 0; i < 24; i++) {
      const { flow, deployments } = pick(flows);
      const deployment = rand() < 0.6 ? pick(deployments) : null;
      const flowRun = await db.flowRuns.create({
        flowId: flow.id,
        name: `run-${i}`,
        tags: someTags(),
        ...(deployment ? { deploymentId: deployment.id } : {}),
      });
      flowRunIds.push(flowRun.id);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
        const tr = await db.taskRuns.create({
          flowRunId: flowRun.id,
          taskKey: `t${k}`,
          dynamicKey: String(i),
          tags: someTags(),
        });
        model.push({
          taskRunId: tr.id,
          taskTags: tr.tags,
          flowRun: { id: flowRun.id, tags: flowRun.tags, name: flowRun.name },
          flow: { id: flow.id, name: flow.name },
          deployment: deployment ? { id: deployment.id, name: deployment.name, tags: deployment.tags } : null,
        });
      }
    }
    // Background task runs have no flow run: a related filter never matches them.
    for (let k = 0; k < 4; k++) {
      const tr = await db.taskRuns.create({ taskKey: `bg${k}`, dynamicKey: '0', tags: someTags() });
      model.push({ taskRunId: tr.id, taskTags: tr.tags, flowRun: null, flow: null, deployment: null });
    }
  });
  afterAll(async () => {
    await db.close();
  });

  const tagsArb = fc.option(
    fc.oneof(
      fc.record({ all: fc.subarray(TAGS, { minLength: 1 }) }),
      fc.record({ any: fc.subarray(TAGS, { minLength: 1 }) }),
    ),
    { nil: undefined },
  );
  const textArb = (values: () => string[]) =>
    fc.option(
      fc.constant(null).chain(() => fc.record({ any: fc.subarray(values()) })),
      { nil: undefined },
    );
  const queryArb = fc.record(
    {
      where: fc.record({ tags: tagsArb }, { requiredKeys: [] }),
      flowRun: fc.record(
        {
          tags: tagsArb,
          name: textArb(() => flowRunIds.map((_, i) => `run-${i}`)),
          id: textArb(() => flowRunIds),
        },
        { requiredKeys: [] },
      ),
      flow: fc.record({ name: textArb(() => FLOWS) }, { requiredKeys: [] }),
      deployment: fc.record({ name: textArb(() => DEPLOYMENTS), tags: tagsArb }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
  const strip = (q: unknown): Query => JSON.parse(JSON.stringify(q));

  it('list and count agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(queryArb, async (raw) => {
        const q = strip(raw);
        const expected = model
          .filter((m) => matches(m, q))
          .map((m) => m.taskRunId)
          .sort();
        const got = (await db.taskRuns.list(q as never)).map((r) => r.id).sort();
        expect(got).toEqual(expected);
        expect(await db.taskRuns.count(q as never)).toBe(expected.length);
      }),
      { numRuns: 60 },
    );
  });

  it('examples: by flow name, by deployment, by flow run id', async () => {
    const etl = model
      .filter((m) => m.flow?.name === 'etl')
      .map((m) => m.taskRunId)
      .sort();
    expect((await db.taskRuns.list({ flow: { name: { any: ['etl'] } } })).map((r) => r.id).sort()).toEqual(
      etl,
    );
    const nightly = model.filter((m) => m.deployment?.name === 'nightly').length;
    expect(await db.taskRuns.count({ deployment: { name: { any: ['nightly'] } } })).toBe(nightly);
    const first = flowRunIds[0]!;
    expect(await db.taskRuns.count({ flowRun: { id: { any: [first] } } })).toBe(
      model.filter((m) => m.flowRun?.id === first).length,
    );
    await expect(db.taskRuns.list({ flowRun: { colour: 'red' } as never })).rejects.toThrow(/colour/);
  });
});
