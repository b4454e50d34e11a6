import { createDatabase } from '@orion/db';

const db = await createDatabase();
// expect-error: repository internals are not public
db.flowRuns.conditions;
