/**
 * Validating a run's parameters against its deployment's `parameterOpenapiSchema` when
 * `enforceParameterSchema` is on (semantics.md §5), with Ajv, a maintained JSON Schema validator.
 * Prefect generates these schemas from function signatures (pydantic) and validates them as JSON
 * Schema draft 2020-12, so the 2020-12 build is used; unknown keywords such as `position` are
 * annotations, not errors (strict mode off). Every `pattern` and `patternProperties` key runs on RE2
 * (linear-regexp.ts), never on JavaScript's backtracking RegExp; `format` is not checked, as
 * Prefect's server does not check it when it validates a run's parameters (docs/work.md).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { CompiledCache } from './compiled-cache.js';
import { UnsupportedPatternError, linearRegExpEngine } from './linear-regexp.js';
import { formatPath } from './validation.js';
import { type JsonValue, MAX_JSON_BYTES, jsonTextBytes } from './validation/json.js';

const newAjv = () =>
  new Ajv2020({
    strict: false,
    allErrors: true,
    validateFormats: false,
    code: { regExp: linearRegExpEngine },
  });

/**
 * Schemas one Ajv instance compiles before a new instance takes over. An instance keeps what every
 * schema it compiled needs at run time (patterns, sub-validators) in its code scope, which
 * `removeSchema` does not clear: 3,000 distinct schemas kept 33 MB for the life of the process (a
 * fresh user's trial, a deployment redeployed with a changed schema). An old instance is garbage
 * once the cache below has let go of the last validator it compiled.
 */
const COMPILES_PER_INSTANCE = 64;
let ajv = newAjv();
/** Compilations by the current instance, and instances made (for tests). */
export const schemaCompiler = { compiledByInstance: 0, instances: 1 };

function compileWithAjv(body: object) {
  if (schemaCompiler.compiledByInstance >= COMPILES_PER_INSTANCE) {
    ajv = newAjv();
    schemaCompiler.compiledByInstance = 0;
    schemaCompiler.instances++;
  }
  schemaCompiler.compiledByInstance++;
  try {
    return ajv.compile(body);
  } finally {
    // Ajv keeps what it compiled; the cache below decides what is kept.
    ajv.removeSchema();
  }
}

type Path = (string | number)[];

/**
 * Compiled parameter schemas by their JSON text (compiled-cache.ts): 64 of them, 16 MB of schema
 * text in all, per process. Exported for tests.
 */
export const compiledSchemas = new CompiledCache<ValidateFunction>(64, 16 * 2 ** 20);

/** Keywords whose values are data, not schemas: a `pattern` key inside them is never compiled. */
const DATA_KEYWORDS = new Set(['default', 'examples', 'const', 'enum']);

/**
 * Where in `node` the regular expression `pattern` sits (a `pattern` keyword or a
 * `patternProperties` key), so a refusal names it: `parameterOpenapiSchema.properties.s.pattern`.
 */
function patternPath(node: unknown, pattern: string, path: Path): Path | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const entries = Array.isArray(node) ? node.entries() : Object.entries(node);
  for (const [key, value] of entries) {
    if (typeof key === 'string' && DATA_KEYWORDS.has(key)) continue;
    if (key === 'pattern' && value === pattern) return [...path, key];
    if (
      key === 'patternProperties' &&
      value !== null &&
      typeof value === 'object' &&
      Object.hasOwn(value, pattern)
    )
      return [...path, key, pattern];
    const found = patternPath(value, pattern, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** `/a/0/b` → ['a', 0, 'b'], under `parameters`. */
function issuePath(error: ErrorObject): (string | number)[] {
  const path: (string | number)[] = ['parameters'];
  for (const raw of error.instancePath.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path.push(/^\d+$/.test(segment) ? Number(segment) : segment);
  }
  if (error.keyword === 'required') path.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
  return path;
}

function issueMessage(error: ErrorObject): string {
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'additionalProperties')
    // Only at the top are the keys the deployment's parameters; deeper, an object's own properties.
    return error.instancePath === ''
      ? 'is not a parameter of this deployment'
      : 'is not a property the parameter schema allows here';
  return error.message ?? `fails "${error.keyword}"`;
}

/**
 * Compiles a deployment's `parameterOpenapiSchema` (a JSON object, JSON Schema 2020-12) or throws a
 * ValidationError at `path` saying why Ajv refuses it; null or undefined (no schema) give undefined.
 * A pattern RE2 cannot run (a backreference, lookaround) is refused here, naming where it sits, so
 * it is never stored and then fails, or hangs, at a run. Compiled functions are kept by the
 * schema's JSON text (`compiledSchemas`): a deployment's runs reuse its schema's; refusals are not
 * kept.
 */
export function compileParameterSchema(schema: unknown, path: Path = ['parameterOpenapiSchema']) {
  if (schema === null || schema === undefined) return undefined;
  const refuse = (why: string): never => {
    throw new ValidationError(`Invalid deployment: ${formatPath(path)}: ${why}`, [{ path, message: why }]);
  };
  if (typeof schema !== 'object' || Array.isArray(schema))
    refuse('must be a JSON Schema object such as { "type": "object", "properties": { ... } }');
  // A `$schema` naming an older draft would make Ajv refuse; the keywords Prefect emits mean the same.
  const { $schema: _ignored, ...body } = schema as Record<string, unknown>;
  try {
    return compiledSchemas.get(JSON.stringify(body), () => compileWithAjv(body));
  } catch (error) {
    if (error instanceof UnsupportedPatternError) {
      const at = patternPath(body, error.pattern, path) ?? path;
      throw new ValidationError(`Invalid deployment: ${formatPath(at)}: ${error.message}`, [
        { path: at, message: error.message },
      ]);
    }
    return refuse(`is not a valid JSON Schema: ${(error as Error).message}`);
  }
}

/**
 * The deployment's stored schema, compiled; one `upsert` or `update` would refuse now (an older
 * version stored it, e.g. with a lookahead in a `pattern`) is a ValidationError saying so and how
 * to get out, never a crash or a hang at each run.
 */
function compileStoredSchema(schema: object) {
  try {
    return compileParameterSchema(schema)!;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const why = error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
    throw new ValidationError(
      `The deployment's stored parameterOpenapiSchema cannot be enforced (${why}); replace it with deployments.update(id, { parameterOpenapiSchema }), or turn enforceParameterSchema off`,
      error.issues,
    );
  }
}

/**
 * Throws a ValidationError naming each parameter that does not satisfy `schema`
 * (`parameters.retries: must be integer`, under `at` when given, e.g. `schedules.0.parameters`); a
 * schema Ajv cannot compile is a ValidationError too.
 */
export function validateParameters(
  schema: unknown,
  parameters: Record<string, unknown>,
  at: Path = ['parameters'],
): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const validate = compileStoredSchema(schema);
  if (validate(parameters)) return;
  const issues: ValidationIssue[] = (validate.errors ?? []).map((error) => ({
    path: [...at, ...issuePath(error).slice(1)],
    message: issueMessage(error),
  }));
  const summary = issues
    .slice(0, 3)
    .map((i) => `${formatPath(i.path)}: ${i.message}`)
    .join('; ');
  throw new ValidationError(
    `Parameters do not match the deployment's parameter schema: ${summary}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`,
    issues,
  );
}

/**
 * The parameters each schedule's runs will get (the deployment's merged with the schedule's) must
 * fit one document (MAX_JSON_BYTES), as a run's own parameters must, and with
 * `enforceParameterSchema` satisfy the schema, as a run made by hand must (semantics.md §5): a
 * schedule is checked when it is written, not when its runs are. `pathOf(i)` names schedule i.
 * Without the size check, two documents of 2.5 MB each made scheduled runs of 5 MB of parameters,
 * which the library's own `flowRuns.update` then refused (a fresh user's trial).
 */
export function validateScheduleParameters(
  dep: {
    parameterOpenapiSchema: unknown;
    enforceParameterSchema: boolean;
    parameters: Record<string, unknown>;
  },
  schedules: { parameters?: Record<string, unknown> | undefined }[],
  pathOf: (i: number) => Path,
): void {
  schedules.forEach((schedule, i) => {
    if (schedule.parameters === undefined || Object.keys(schedule.parameters).length === 0) return;
    const bytes = jsonTextBytes({ ...dep.parameters, ...schedule.parameters } as JsonValue);
    if (bytes <= MAX_JSON_BYTES) return;
    const path = [...pathOf(i), 'parameters'];
    const message = `the deployment's parameters merged with the schedule's are ${bytes.toLocaleString('en-US')} bytes of JSON text, at most ${MAX_JSON_BYTES.toLocaleString('en-US')}`;
    throw new ValidationError(`${formatPath(path)}: ${message}`, [{ path, message }]);
  });
  if (!dep.enforceParameterSchema) return;
  schedules.forEach((schedule, i) => {
    validateParameters(dep.parameterOpenapiSchema, { ...dep.parameters, ...schedule.parameters }, [
      ...pathOf(i),
      'parameters',
    ]);
  });
}
