// A consumer's program, compiled against the packed @orion/db with the settings `tsc --init` writes
// (strict, exactOptionalPropertyTypes, no skipLibCheck, no @types/node) and run on each database.
import {
  type Database,
  type FlowRun,
  type JsonObject,
  type StateType,
  NotFoundError,
  ValidationError,
  createDatabase,
} from '@orion/db';

/** What one run of the program saw, compared by run.mjs across databases. */
export interface Outcome {
  dialect: string;
  driver: string;
  finalState: StateType | null;
  parameters: JsonObject;
  history: StateType[];
  taskRuns: number;
  validationRefused: boolean;
  notFound: boolean;
  rawRows: number;
}

async function drive(db: Database): Promise<Outcome> {
  const flow = await db.flows.create({ name: 'consumer-etl', tags: ['consumer'] });
  const parameters: JsonObject = { date: '2026-11-25', rows: [1, 2, 3], options: { dryRun: false } };
  const run: FlowRun = await db.flowRuns.create({
    flowId: flow.id,
    parameters,
    state: { type: 'SCHEDULED' },
  });
  await db.flowRuns.setState(run.id, { type: 'PENDING' });
  await db.flowRuns.setState(run.id, { type: 'RUNNING' });
  const taskRun = await db.taskRuns.create({
    flowRunId: run.id,
    taskKey: 'extract',
    dynamicKey: '0',
    state: { type: 'RUNNING' },
  });
  await db.taskRuns.setState(taskRun.id, { type: 'COMPLETED', message: 'extracted' });
  const { run: finished } = await db.transaction(async (tx) =>
    tx.flowRuns.setState(run.id, { type: 'COMPLETED' }),
  );
  const history = (await db.flowRuns.states(run.id)).map((state) => state.type);
  const taskRuns = await db.taskRuns.count({ where: { flowRunId: { any: [run.id] } } });
  let validationRefused = false;
  try {
    // A runtime check the types also make: a bad id is a ValidationError, not a driver error.
    await db.flowRuns.get('not-a-uuid');
  } catch (error) {
    validationRefused = error instanceof ValidationError;
  }
  let notFound = false;
  try {
    await db.flows.update('00000000-0000-4000-8000-000000000000', { tags: [] });
  } catch (error) {
    notFound = error instanceof NotFoundError;
  }
  const rows = await db.execute<{ n: number }>('select 1 as n');
  return {
    dialect: db.dialect,
    driver: db.driver,
    finalState: finished.stateType,
    parameters: (await db.flowRuns.get(run.id))?.parameters ?? {},
    history,
    taskRuns,
    validationRefused,
    notFound,
    rawRows: rows.length,
  };
}

/** Opens the database at `url`, migrates it on open, drives one flow run through its states. */
export async function main(url: string): Promise<Outcome> {
  const db = await createDatabase({ url });
  try {
    return await drive(db);
  } finally {
    await db.close();
  }
}
