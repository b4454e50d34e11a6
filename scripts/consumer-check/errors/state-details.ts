import { createDatabase } from '@orion/db';

const db = await createDatabase();
// expect-error: state details have a shape
await db.flowRuns.setState('00000000-0000-4000-8000-000000000000', { type: 'RUNNING', stateDetails: 'x' });
