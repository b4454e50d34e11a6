// createTestDatabase reads only what it documents: a shell whose ORION_* settings are broken does
// not reach it (consumer-check.sh runs this with ORION_DATABASE_URL=mysql://x and friends).
import { createTestDatabase } from '@orion/db/testing';
import { expect, test } from 'vitest';

test('createTestDatabase ignores a hostile environment', async () => {
  expect(process.env.ORION_DATABASE_URL).toBe('mysql://x');
  for (const dialect of ['sqlite', 'postgresql'] as const) {
    const db = await createTestDatabase({ dialect });
    try {
      const flow = await db.flows.create({ name: `hostile-${dialect}` });
      expect(await db.flows.get(flow.id)).toMatchObject({ name: `hostile-${dialect}` });
      expect(db.dialect).toBe(dialect);
    } finally {
      await db.close();
    }
  }
});
