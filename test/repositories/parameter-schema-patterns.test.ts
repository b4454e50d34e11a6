/**
 * `pattern` and `patternProperties` in a deployment's parameterOpenapiSchema run in time linear in
 * the input (a fresh user's trial froze the process for 52 s with `(a+)+$`); patterns only a
 * backtracking engine can run are refused where the schema is written, and a stored one (from an
 * older version) is a clear error at each use, never a crash. `format` is not checked, as Prefect.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { deploymentFixture } from '../support/deployment-fixture.js';
import { DIALECTS } from '../support/dialects.js';

const CATASTROPHIC = '(a+)+$';
const stringWith = (pattern: string) => ({
  type: 'object',
  properties: { s: { type: 'string', pattern } },
});

describe.each(DIALECTS)('parameter schema patterns (%s)', (dialect) => {
  const { f, deploy } = deploymentFixture(dialect);

  it('checks a catastrophic pattern against adversarial parameters in linear time', {
    timeout: 20_000,
  }, async () => {
    const d = await deploy({ parameterOpenapiSchema: stringWith(CATASTROPHIC), schedules: [] });
    for (const length of [28, 10_000]) {
      const refused = await f.db.deployments
        .createFlowRun(d.id, { parameters: { s: `${'a'.repeat(length)}!` } })
        .catch((e) => e);
      expect(refused).toBeInstanceOf(ValidationError);
      expect(refused.issues[0].path).toEqual(['parameters', 's']);
      expect(refused.message).toContain(`must match pattern "${CATASTROPHIC}"`);
    }
    const run = await f.db.deployments.createFlowRun(d.id, { parameters: { s: 'a'.repeat(10_000) } });
    expect(run.parameters).toEqual({ s: 'a'.repeat(10_000) });
    // patternProperties keys run on the same engine.
    const keyed = await deploy({
      parameterOpenapiSchema: { type: 'object', patternProperties: { [CATASTROPHIC]: { type: 'integer' } } },
      schedules: [],
    });
    const key = `${'a'.repeat(10_000)}!`;
    expect((await f.db.deployments.createFlowRun(keyed.id, { parameters: { [key]: 'x' } })).id).toBeDefined();
    await expect(f.db.deployments.createFlowRun(keyed.id, { parameters: { aaa: 'x' } })).rejects.toThrow(
      'parameters.aaa: must be integer',
    );
  });

  it('refuses backreferences and lookaround at upsert and update, naming where the pattern sits', async () => {
    const cases: [Record<string, unknown>, (string | number)[], string][] = [
      [stringWith('(a)\\1'), ['parameterOpenapiSchema', 'properties', 's', 'pattern'], 'backreferences'],
      [stringWith('^(?!x)'), ['parameterOpenapiSchema', 'properties', 's', 'pattern'], 'lookahead'],
      [
        { type: 'object', patternProperties: { '(?<=a)b': { type: 'string' } } },
        ['parameterOpenapiSchema', 'patternProperties', '(?<=a)b'],
        'lookbehind',
      ],
      [
        {
          $defs: { Inner: stringWith('(?<x>a)\\k<x>') },
          type: 'object',
          properties: { i: { $ref: '#/$defs/Inner' } },
        },
        ['parameterOpenapiSchema', '$defs', 'Inner', 'properties', 's', 'pattern'],
        'backreferences',
      ],
      [stringWith('a{1001}'), ['parameterOpenapiSchema', 'properties', 's', 'pattern'], 'RE2 refuses it'],
      [
        stringWith('('),
        ['parameterOpenapiSchema', 'properties', 's', 'pattern'],
        'is not a valid regular expression',
      ],
    ];
    for (const [parameterOpenapiSchema, path, why] of cases) {
      const refused = await deploy({ parameterOpenapiSchema }).catch((e) => e);
      expect(refused, why).toBeInstanceOf(ValidationError);
      expect(refused.issues[0].path).toEqual(path);
      expect(refused.message).toContain(why);
    }
    expect(await f.db.deployments.count()).toBe(0);
    const d = await deploy({ parameterOpenapiSchema: stringWith('^a') });
    const updated = await f.db.deployments
      .update(d.id, { parameterOpenapiSchema: stringWith('a(?=b)') })
      .catch((e) => e);
    expect(updated).toBeInstanceOf(ValidationError);
    expect(updated.issues[0].path).toEqual(['parameterOpenapiSchema', 'properties', 's', 'pattern']);
    expect((await f.db.deployments.get(d.id))!.parameterOpenapiSchema).toEqual(stringWith('^a'));
  });

  it('a schema stored by an older version with a lookahead is a clear error at runs and schedule writes', async () => {
    const d = await deploy({ parameterOpenapiSchema: stringWith('^a'), schedules: [] });
    // What an older version let through, written as it would have stored it.
    const stored = JSON.stringify(stringWith('^(?!x)a')).replaceAll("'", "''");
    await f.db.execute(`update deployment set parameter_openapi_schema = '${stored}' where id = '${d.id}'`);
    const expectStoredError = (error: unknown) => {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toContain(
        "The deployment's stored parameterOpenapiSchema cannot be enforced",
      );
      expect((error as ValidationError).message).toContain('lookahead');
      expect((error as ValidationError).issues[0]!.path).toEqual([
        'parameterOpenapiSchema',
        'properties',
        's',
        'pattern',
      ]);
    };
    expectStoredError(await f.db.deployments.createFlowRun(d.id, { parameters: { s: 'a' } }).catch((e) => e));
    expectStoredError(
      await f.db.deployments.schedules
        .create(d.id, [{ schedule: { interval: 60 }, parameters: { s: 'a' } }])
        .catch((e) => e),
    );
    expect(await f.db.deployments.schedules.list(d.id)).toEqual([]);
    // Not enforced, the run is made; replacing the schema mends the deployment.
    const loose = await f.db.deployments.createFlowRun(d.id, {
      parameters: { s: 'x' },
      enforceParameterSchema: false,
    });
    expect(loose.parameters).toEqual({ s: 'x' });
    await f.db.deployments.update(d.id, { parameterOpenapiSchema: stringWith('^a') });
    expect((await f.db.deployments.createFlowRun(d.id, { parameters: { s: 'ab' } })).parameters).toEqual({
      s: 'ab',
    });
  });

  it('does not check format, as Prefect does not when it validates a run', async () => {
    const d = await deploy({
      parameterOpenapiSchema: {
        type: 'object',
        properties: {
          when: { type: 'string', format: 'date-time' },
          id: { type: 'string', format: 'uuid' },
          to: { type: 'string', format: 'email' },
        },
      },
      schedules: [],
    });
    const run = await f.db.deployments.createFlowRun(d.id, {
      parameters: { when: 'not a date', id: 'not a uuid', to: 'nobody' },
    });
    expect(run.parameters).toEqual({ when: 'not a date', id: 'not a uuid', to: 'nobody' });
    await expect(f.db.deployments.createFlowRun(d.id, { parameters: { when: 5 } })).rejects.toThrow(
      'parameters.when: must be string',
    );
  });
});
