import { createDatabase } from '@orion/db';

// expect-error: an object that is none of the three clients
await createDatabase({ client: { query: () => 1 } });
