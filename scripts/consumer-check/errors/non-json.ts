import { createDatabase } from '@orion/db';

const db = await createDatabase();
// expect-error: a Date is not JSON
await db.flowRuns.create({ flowId: '00000000-0000-4000-8000-000000000000', parameters: { at: new Date() } });
