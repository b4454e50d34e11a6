/**
 * User documents come back exactly as given, on every dialect (semantics.md §2 "User documents",
 * "Parsing once"): JSON-looking strings stay strings (PostgreSQL used to parse them a second time),
 * and key order survives (PostgreSQL's jsonb used to sort keys).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import {
  DOCUMENT_PATHS,
  type DocumentKind,
  type Fixture,
  TARGETS,
  createFixture,
  exactly,
  openTarget,
} from '../support/user-documents.js';

/** Strings that JSON.parse would turn into something else: each must come back as the string. */
const JSON_LOOKING = [
  '10.5',
  'true',
  'false',
  'null',
  '{"a":1}',
  '[1]',
  '"quoted"',
  ' 7 ',
  '-0',
  '1e400',
  '{}',
  '',
];
/** Keys in an order jsonb would change; integer-like keys go first in JS itself, so "10" leads. */
const ORDERED = { b: 1, a: 2, '10': 3, c: { z: 1, y: 2 }, list: [{ b: 1, a: 2 }] };

/** Examples of each kind: every value a document of that kind may be. */
function examples(kind: DocumentKind): unknown[] {
  const labels = Object.fromEntries(JSON_LOOKING.map((s, i) => [`k${JSON_LOOKING.length - i}`, s]));
  if (kind === 'labels') return [labels, { b: '1', a: '2', '10': '3' }];
  const object = {
    ...ORDERED,
    strings: JSON_LOOKING,
    ...Object.fromEntries(JSON_LOOKING.map((s) => [s || 'empty', s])),
  };
  if (kind === 'object') return [object, { parameter: '[1]' }, { '10.5': '10.5' }];
  return [...JSON_LOOKING, object, ORDERED, [3, 1, 2], 10.5, true, null];
}

describe.each(TARGETS)('user documents come back exactly as given (%s)', (target) => {
  let db: Database;
  let fixture: Fixture;
  beforeAll(async () => {
    db = await openTarget(target);
    fixture = await createFixture(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it.each(DOCUMENT_PATHS.map((p) => [p.name, p] as const))('%s', async (_, path) => {
    for (const doc of examples(path.kind)) {
      const copies = await path.write(db, fixture, doc);
      expect(copies.length).toBeGreaterThan(0);
      for (const copy of copies) {
        // toEqual ignores key order; the JSON text compares it too.
        expect(copy).toEqual(exactly(doc));
        expect(JSON.stringify(copy)).toBe(JSON.stringify(doc));
      }
    }
  });

  it('stores each document as its JSON text, serialised once', async () => {
    const run = await db.flowRuns.create({
      flowId: fixture.flowId,
      parameters: { b: '[1]', a: 10.5 },
      state: { type: 'PENDING', data: '10.5' },
    });
    const asText = db.dialect === 'sqlite' ? '' : '::text';
    const [stored] = await db.execute<{ parameters: string }>(
      `select parameters${asText} as parameters from flow_run where id = '${run.id}'`,
    );
    const [state] = await db.execute<{ data: string }>(
      `select data${asText} as data from flow_run_state where flow_run_id = '${run.id}'`,
    );
    expect(stored!.parameters).toBe('{"b":"[1]","a":10.5}');
    expect(state!.data).toBe('"10.5"');
  });

  it('keeps a "__proto__" key as an ordinary member', async () => {
    const doc = JSON.parse('{"b":1,"__proto__":{"x":1},"a":2}');
    const run = await db.flowRuns.create({ flowId: fixture.flowId, parameters: doc });
    const read = (await db.flowRuns.get(run.id))!.parameters;
    expect(JSON.stringify(run.parameters)).toBe('{"b":1,"__proto__":{"x":1},"a":2}');
    expect(JSON.stringify(read)).toBe('{"b":1,"__proto__":{"x":1},"a":2}');
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
  });
});
