import { createDatabase } from '@orion/db';

// expect-error: a number is no client
await createDatabase({ client: 42 });
