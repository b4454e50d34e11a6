import { createDatabase } from '@orion/db';

const db = await createDatabase();
// expect-error: job variables are a JSON object
await db.flowRuns.create({ flowId: '00000000-0000-4000-8000-000000000000', jobVariables: 42 });
