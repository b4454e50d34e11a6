/**
 * A required field left out is "is required", in the library's words, naming the field, and nothing
 * is written. A fresh user's trial (2026-12-02) read zod's own text for it,
 * `name: Invalid input: expected string, received undefined`, and `after.timestamp: Invalid input:
 * expected nonoptional, received undefined`, as a complaint about a value it had passed.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS } from '../support/dialects.js';

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}`;

type Case = {
  what: string;
  call: (db: Database, input: Record<string, unknown>) => Promise<unknown>;
  input: (db: Database) => Promise<Record<string, unknown>>;
  required: string[];
  count: (db: Database) => Promise<number>;
};

const CASES: Case[] = [
  {
    what: 'flow',
    call: (db, input) => db.flows.create(input as never),
    input: async () => ({ name: unique('f'), tags: ['a'] }),
    required: ['name'],
    count: (db) => db.flows.count(),
  },
  {
    what: 'flow run',
    call: (db, input) => db.flowRuns.create(input as never),
    input: async (db) => ({ flowId: (await db.flows.create({ name: unique('parent') })).id, name: 'r' }),
    required: ['flowId'],
    count: (db) => db.flowRuns.count(),
  },
  {
    what: 'work queue',
    call: (db, input) => db.workQueues.create(input as never),
    input: async (db) => ({
      workPoolName: (await db.workPools.create({ name: unique('pool') })).name,
      name: 'q',
    }),
    required: ['workPoolName', 'name'],
    count: async (db) => (await db.workQueues.list()).length,
  },
  {
    what: 'global concurrency limit',
    call: (db, input) => db.globalConcurrencyLimits.create(input as never),
    input: async () => ({ name: unique('warehouse'), limit: 5 }),
    required: ['name', 'limit'],
    count: (db) => db.globalConcurrencyLimits.count(),
  },
  {
    what: 'block type',
    call: (db, input) => db.blockTypes.upsert(input as never),
    input: async () => ({ slug: unique('creds'), name: 'Creds' }),
    required: ['slug', 'name'],
    count: async (db) => (await db.blockTypes.list()).length,
  },
];

describe.each(DIALECTS)('a required field left out (%s)', (dialect) => {
  let db: Database;
  beforeEach(async () => {
    db = await createTestDatabase({ dialect });
  });
  afterEach(async () => {
    await db.close();
  });

  it("the trial's examples: flows.create({}) and a log page's `after` without its timestamp", async () => {
    await expect(db.flows.create({} as never)).rejects.toThrow('Invalid flow: name: is required (a string)');
    const page = db.logs.list({ after: { id: '0190a5c0-0000-7000-8000-000000000001' } } as never);
    await expect(page).rejects.toThrow('after.timestamp: is required');
  });

  it('any subset of the required fields left out: each named "is required", nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...CASES)
          .chain((c) => fc.tuple(fc.constant(c), fc.subarray(c.required, { minLength: 1 }), fc.boolean())),
        async ([c, left, asUndefined]) => {
          const input = await c.input(db);
          for (const key of left) {
            if (asUndefined) input[key] = undefined;
            else delete input[key];
          }
          const before = await c.count(db);
          const error = await c.call(db, input).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, c.what).toBeInstanceOf(ValidationError);
          const message = (error as Error).message;
          for (const key of left) expect(message, c.what).toMatch(new RegExp(`${key}: is required`));
          expect(message).not.toMatch(/received undefined|Invalid input/);
          expect(await c.count(db)).toBe(before);
        },
      ),
      { numRuns: 40 },
    );
  });
});
