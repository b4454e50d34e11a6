/**
 * Every repository method that stores a user document (semantics.md §2 "User documents"), as one
 * table the example and the property tests share: each entry writes a document and returns every
 * copy of it the library hands back (the write's own result and a fresh read).
 */
import type { PGlite } from '@electric-sql/pglite';
import { type Database, createDatabase } from '../../src/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { DIALECTS, postgresIsServer } from './dialects.js';

/** What a document must be: a JSON object, any JSON value, or labels (string values). */
export type DocumentKind = 'object' | 'any' | 'labels';

/** The databases the document tests run on: both dialects, and PGlite too when Postgres is a server. */
export type Target = (typeof DIALECTS)[number] | 'pglite';
export const TARGETS: Target[] = (await postgresIsServer()) ? [...DIALECTS, 'pglite'] : [...DIALECTS];

/** Opens a migrated database on the target; its close() releases everything. */
export async function openTarget(target: Target): Promise<Database> {
  if (target !== 'pglite') return createTestDatabase({ dialect: target });
  const instance = await openPgliteInstance();
  const db = await createDatabase({ client: instance, migrateOnOpen: true });
  return new Proxy(db, {
    get(obj, property, receiver) {
      if (property === 'close') {
        return async () => {
          await obj.close();
          await instance.close();
        };
      }
      const value = Reflect.get(obj, property, receiver);
      return typeof value === 'function' ? value.bind(obj) : value;
    },
  });
}

export async function openPgliteInstance(): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  return PGlite.create({ extensions: { pg_trgm } });
}

/** What "exactly as given" means (semantics.md §2): JSON.parse(JSON.stringify(value)). */
export const exactly = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

export interface DocumentPath {
  readonly name: string;
  readonly kind: DocumentKind;
  /** Stores `doc` through the method and returns every copy read back. */
  write(db: Database, fixture: Fixture, doc: unknown): Promise<unknown[]>;
}

/** Rows the paths write into, created once per database. */
export interface Fixture {
  flowId: string;
  flowRunId: string;
  taskRunId: string;
  deploymentId: string;
  scheduleId: string;
  poolId: string;
  blockTypeId: string;
  /** A block schema without secret fields. */
  blockSchemaId: string;
  blockDocumentId: string;
  next(): string;
}

const SCHEDULE = { interval: 3600 };

export async function createFixture(db: Database): Promise<Fixture> {
  let n = 0;
  const next = () => `doc-${++n}`;
  const flowId = (await db.flows.create({ name: next() })).id;
  const flowRunId = (await db.flowRuns.create({ flowId })).id;
  const taskRunId = (await db.taskRuns.create({ flowRunId, taskKey: 't', dynamicKey: '0' })).id;
  const deployment = await db.deployments.upsert({
    flowId,
    name: next(),
    schedules: [{ schedule: SCHEDULE }],
  });
  const [schedule] = await db.deployments.schedules.list(deployment.id);
  const poolId = (await db.workPools.create({ name: next(), type: 'process' })).id;
  const blockTypeId = (await db.blockTypes.upsert({ slug: next(), name: next() })).id;
  const blockSchemaId = (await db.blockSchemas.create({ blockTypeId, fields: { title: 'documents' } })).id;
  const blockDocumentId = (
    await db.blockDocuments.create({ name: next(), blockTypeId, blockSchemaId, data: {} })
  ).id;
  return {
    blockTypeId,
    blockSchemaId,
    blockDocumentId,
    flowId,
    flowRunId,
    taskRunId,
    deploymentId: deployment.id,
    scheduleId: schedule!.id,
    poolId,
    next,
  };
}

type Field<T> = (row: T) => unknown;

/** A create/update pair for one field of one repository. */
function pair<T extends object>(
  entity: string,
  field: string,
  kind: DocumentKind,
  create: (db: Database, f: Fixture, doc: unknown) => Promise<T>,
  update: (db: Database, f: Fixture, doc: unknown) => Promise<T>,
  get: (db: Database, row: T) => Promise<T | null>,
): DocumentPath[] {
  const read: Field<T> = (row) => (row as Record<string, unknown>)[field];
  const both = async (db: Database, row: T) => [read(row), read((await get(db, row))!)];
  return [
    {
      name: `${entity}.create ${field}`,
      kind,
      write: async (db, f, doc) => both(db, await create(db, f, doc)),
    },
    {
      name: `${entity}.update ${field}`,
      kind,
      write: async (db, f, doc) => both(db, await update(db, f, doc)),
    },
  ];
}

const flowRunFields = ['parameters', 'context', 'jobVariables', 'labels'] as const;
// Not parameterOpenapiSchema: it must be a JSON Schema Ajv compiles (a ValidationError otherwise),
// not any JSON document; deployment-runs and work-boundaries test it.
const deploymentFields = ['parameters', 'jobVariables', 'pullSteps', 'labels'] as const;
const kindOf = (field: string): DocumentKind =>
  field === 'labels' ? 'labels' : field === 'pullSteps' ? 'any' : 'object';

export const DOCUMENT_PATHS: DocumentPath[] = [
  ...pair(
    'flows',
    'labels',
    'labels',
    (db, f, doc) => db.flows.create({ name: f.next(), labels: doc as Record<string, string> }),
    (db, f, doc) => db.flows.update(f.flowId, { labels: doc as Record<string, string> }),
    (db, row) => db.flows.get(row.id),
  ),
  ...flowRunFields.flatMap((field) =>
    pair(
      'flowRuns',
      field,
      kindOf(field),
      (db, f, doc) => db.flowRuns.create({ flowId: f.flowId, [field]: doc }),
      (db, f, doc) => db.flowRuns.update(f.flowRunId, { [field]: doc }),
      (db, row) => db.flowRuns.get(row.id),
    ),
  ),
  ...(['taskInputs', 'labels'] as const).flatMap((field) =>
    pair(
      'taskRuns',
      field,
      kindOf(field),
      (db, f, doc) =>
        db.taskRuns.create({ flowRunId: f.flowRunId, taskKey: f.next(), dynamicKey: '0', [field]: doc }),
      (db, f, doc) => db.taskRuns.update(f.taskRunId, { [field]: doc }),
      (db, row) => db.taskRuns.get(row.id),
    ),
  ),
  ...deploymentFields.flatMap((field) =>
    pair(
      'deployments',
      field,
      kindOf(field),
      (db, f, doc) => db.deployments.upsert({ flowId: f.flowId, name: f.next(), [field]: doc }),
      (db, f, doc) => db.deployments.update(f.deploymentId, { [field]: doc }),
      (db, row) => db.deployments.get(row.id),
    ),
  ),
  ...(['baseJobTemplate', 'storageConfiguration'] as const).flatMap((field) =>
    pair(
      'workPools',
      field,
      'object',
      (db, f, doc) => db.workPools.create({ name: f.next(), type: 'process', [field]: doc }),
      (db, f, doc) => db.workPools.update(f.poolId, { [field]: doc }),
      (db, row) => db.workPools.get(row.id),
    ),
  ),
  {
    // A version per case: the same fields in another key order would otherwise be the same schema.
    name: 'blockSchemas.create fields',
    kind: 'object',
    write: async (db, f, doc) => {
      const schema = await db.blockSchemas.create({
        blockTypeId: f.blockTypeId,
        fields: doc as Record<string, never>,
        version: f.next(),
      });
      return [schema.fields, (await db.blockSchemas.get(schema.id))!.fields];
    },
  },
  {
    // Encrypted at rest: what comes back went through AES-GCM and JSON text.
    name: 'blockDocuments.create data',
    kind: 'object',
    write: async (db, f, doc) => {
      const created = await db.blockDocuments.create({
        name: f.next(),
        blockTypeId: f.blockTypeId,
        blockSchemaId: f.blockSchemaId,
        data: doc as Record<string, never>,
      });
      const read = await db.blockDocuments.get(created.id, { includeSecrets: true });
      return [created.data, read!.data];
    },
  },
  {
    name: 'blockDocuments.update data',
    kind: 'object',
    write: async (db, f, doc) => {
      const updated = await db.blockDocuments.update(f.blockDocumentId, {
        data: doc as Record<string, never>,
        mergeExistingData: false,
      });
      const read = await db.blockDocuments.get(f.blockDocumentId, { includeSecrets: true });
      return [updated.data, read!.data];
    },
  },
  {
    name: 'deployments.upsert schedules[].parameters',
    kind: 'object',
    write: async (db, f, doc) => {
      const d = await db.deployments.upsert({
        flowId: f.flowId,
        name: f.next(),
        schedules: [{ schedule: SCHEDULE, parameters: doc as Record<string, never> }],
      });
      return (await db.deployments.schedules.list(d.id)).map((s) => s.parameters);
    },
  },
  {
    name: 'deployments.schedules.create parameters',
    kind: 'object',
    write: async (db, f, doc) => {
      const [created] = await db.deployments.schedules.create(f.deploymentId, [
        { schedule: SCHEDULE, parameters: doc as Record<string, never> },
      ]);
      const listed = (await db.deployments.schedules.list(f.deploymentId)).find((s) => s.id === created!.id);
      // A deployment holds at most 100 schedules: the property writes more than that in all.
      await db.deployments.schedules.delete(f.deploymentId, created!.id);
      return [created!.parameters, listed!.parameters];
    },
  },
  {
    name: 'deployments.schedules.update parameters',
    kind: 'object',
    write: async (db, f, doc) => {
      const updated = await db.deployments.schedules.update(f.deploymentId, f.scheduleId, {
        parameters: doc as Record<string, never>,
      });
      const listed = (await db.deployments.schedules.list(f.deploymentId)).find((s) => s.id === f.scheduleId);
      return [updated.parameters, listed!.parameters];
    },
  },
  {
    name: 'flowRuns.create state.data',
    kind: 'any',
    write: async (db, f, doc) => {
      const run = await db.flowRuns.create({ flowId: f.flowId, state: { type: 'PENDING', data: doc } });
      return (await db.flowRuns.states(run.id)).map((s) => s.data);
    },
  },
  {
    name: 'taskRuns.create state.data',
    kind: 'any',
    write: async (db, f, doc) => {
      const run = await db.taskRuns.create({
        flowRunId: f.flowRunId,
        taskKey: f.next(),
        dynamicKey: '0',
        state: { type: 'PENDING', data: doc },
      });
      return (await db.taskRuns.states(run.id)).map((s) => s.data);
    },
  },
  {
    name: 'flowRuns.setState data',
    kind: 'any',
    write: async (db, f, doc) => {
      const { state } = await db.flowRuns.setState(f.flowRunId, { type: 'RUNNING', data: doc });
      const history = await db.flowRuns.states(f.flowRunId);
      return [state.data, history.find((s) => s.id === state.id)!.data];
    },
  },
  {
    name: 'taskRuns.setState data',
    kind: 'any',
    write: async (db, f, doc) => {
      const { state } = await db.taskRuns.setState(f.taskRunId, { type: 'RUNNING', data: doc });
      const history = await db.taskRuns.states(f.taskRunId);
      return [state.data, history.find((s) => s.id === state.id)!.data];
    },
  },
];
