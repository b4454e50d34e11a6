// npm run demo: opens the default database (SQLite at $ORION_HOME/orion.db, ~/.orion by default),
// migrates it on open, creates a flow and a flow run with a few task runs, drives them through
// states, and prints the run with its state history.
import { createDatabase, maskSecrets } from '@orion/db';

const db = await createDatabase();
try {
  const status = await db.migrations.status();
  console.log(`database: ${db.dialect} (${db.driver}) at ${maskSecrets(db.settings.url)}`);
  console.log(
    `revision: ${status.current?.revision} (${status.current?.name}), head ${status.head?.revision}\n`,
  );

  const flow = await db.flows.create({ name: 'demo-etl', tags: ['demo'] });
  const run = await db.flowRuns.create({
    flowId: flow.id,
    parameters: { date: '2026-11-25' },
    state: { type: 'SCHEDULED' },
  });
  await db.flowRuns.setState(run.id, { type: 'PENDING' });
  await db.flowRuns.setState(run.id, { type: 'RUNNING' });

  for (const [i, task] of ['extract', 'transform', 'load'].entries()) {
    const taskRun = await db.taskRuns.create({
      flowRunId: run.id,
      taskKey: task,
      dynamicKey: String(i),
      state: { type: 'PENDING' },
    });
    await db.taskRuns.setState(taskRun.id, { type: 'RUNNING' });
    await new Promise((resolve) => setTimeout(resolve, 20)); // a little work
    await db.taskRuns.setState(taskRun.id, { type: 'COMPLETED', message: `${task} done` });
  }
  const { run: finished } = await db.flowRuns.setState(run.id, { type: 'COMPLETED' });

  console.log(`flow run ${finished.name} (${finished.id})`);
  console.log(
    `  state ${finished.stateType}, run count ${finished.runCount}, ran ${finished.totalRunTime.toFixed(3)} s`,
  );
  console.log(`  started ${finished.startTime?.toISOString()}, ended ${finished.endTime?.toISOString()}`);
  console.log('  history:');
  for (const state of await db.flowRuns.states(run.id)) {
    console.log(`    ${state.timestamp.toISOString()}  ${state.type}`);
  }
  console.log('  task runs:');
  for (const task of await db.taskRuns.list({
    where: { flowRunId: { any: [run.id] } },
    sort: 'START_TIME_ASC',
  })) {
    console.log(`    ${task.taskKey.padEnd(10)} ${task.stateType}  ${task.totalRunTime.toFixed(3)} s`);
  }
  const counts = await db.flowRuns.countByState({ flow: { name: { any: ['demo-etl'] } } });
  console.log(
    `\nruns of demo-etl so far: ${Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${n} ${t}`)
      .join(', ')}`,
  );
} finally {
  await db.close();
}
