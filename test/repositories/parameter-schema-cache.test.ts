/**
 * Compiled parameter schemas are kept by their JSON text (src/repositories/compiled-cache.ts): a
 * deployment's runs reuse its schema's validator instead of compiling it again per run (a 789 KB
 * schema took 36 s to compile, a fresh user's trial), and a changed schema is enforced at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { CompiledCache } from '../../src/repositories/compiled-cache.js';
import {
  compileParameterSchema,
  compiledSchemas,
  schemaCompiler,
} from '../../src/repositories/parameter-schema.js';
import { deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('compiled parameter schemas are reused (%s)', (dialect) => {
  const { f, deploy } = deploymentFixture(dialect);

  it("a deployment's runs compile its schema once, a recursive $ref included; an updated schema is enforced at once", async () => {
    const parameterOpenapiSchema = {
      type: 'object',
      // Unseen text in this process: the first use compiles.
      title: `Parameters ${crypto.randomUUID()}`,
      properties: { retries: { type: 'integer' }, tree: { $ref: '#/$defs/Node' } },
      required: ['retries'],
      $defs: {
        Node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
          additionalProperties: false,
        },
      },
    };
    const d = await deploy({ parameterOpenapiSchema, enforceParameterSchema: true, schedules: [] });
    const deep = { children: [{ children: [{ children: [] }] }] };
    await f.db.deployments.createFlowRun(d.id, { parameters: { retries: 1, tree: deep } });
    const compiled = compiledSchemas.compiles;
    for (let i = 0; i < 5; i++) {
      await f.db.deployments.createFlowRun(d.id, { parameters: { retries: i, tree: deep } });
      const bad = await f.db.deployments
        .createFlowRun(d.id, { parameters: { retries: 1, tree: { children: [{ leaf: i }] } } })
        .catch((e) => e);
      expect(bad).toBeInstanceOf(ValidationError);
      expect(bad.message).toContain(
        'parameters.tree.children[0].leaf: is not a property the parameter schema allows here',
      );
    }
    expect(compiledSchemas.compiles).toBe(compiled);

    await f.db.deployments.update(d.id, {
      parameterOpenapiSchema: { ...parameterOpenapiSchema, properties: { retries: { type: 'string' } } },
    });
    const refused = await f.db.deployments
      .createFlowRun(d.id, { parameters: { retries: 1 } })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused.message).toContain('parameters.retries: must be string');
  });
});

describe('the Ajv instance behind parameter schemas', () => {
  it('is replaced every 64 compilations, and validators an old one compiled keep validating', () => {
    const schemaOf = (i: number) => ({
      type: 'object',
      title: `distinct ${crypto.randomUUID()} ${i}`,
      properties: { n: { type: 'integer', maximum: i }, s: { type: 'string', pattern: `^x{${i % 5}}$` } },
    });
    const first = compileParameterSchema(schemaOf(3))!;
    const instances = schemaCompiler.instances;
    for (let i = 0; i < 200; i++) compileParameterSchema(schemaOf(i));
    expect(schemaCompiler.instances).toBeGreaterThanOrEqual(instances + 3);
    expect(first({ n: 3, s: 'xxx' })).toBe(true);
    expect(first({ n: 4, s: 'xxx' })).toBe(false);
    expect(first({ n: 3, s: 'xx' })).toBe(false);
  });
});

describe('CompiledCache', () => {
  it('keeps the most recently used entries within its count and byte budgets, as a model does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.string({ minLength: 0, maxLength: 6 }), { maxLength: 60 }),
        (maxEntries, maxBytes, keys) => {
          const cache = new CompiledCache<string>(maxEntries, maxBytes);
          // The model: keys most recently used last.
          let kept: string[] = [];
          let compiles = 0;
          for (const key of keys) {
            const value = cache.get(key, () => `compiled ${key}`);
            expect(value).toBe(`compiled ${key}`);
            if (kept.includes(key)) {
              kept = [...kept.filter((k) => k !== key), key];
              continue;
            }
            compiles++;
            if (key.length > maxBytes) continue;
            kept.push(key);
            const bytes = () => kept.reduce((n, k) => n + k.length, 0);
            while (kept.length > maxEntries || bytes() > maxBytes) kept.shift();
          }
          expect(cache.compiles).toBe(compiles);
          expect(cache.size).toBe(kept.length);
        },
      ),
    );
  });
});
