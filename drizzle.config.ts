/**
 * drizzle-kit configuration for both dialects; DRIZZLE_DIALECT selects one (sqlite | postgresql).
 * Use `npm run db:generate -- --name <name>`, which runs both and writes the down files and manifest.
 */
import { defineConfig } from 'drizzle-kit';

const dialect = process.env.DRIZZLE_DIALECT === 'postgresql' ? 'postgresql' : 'sqlite';

export default defineConfig(
  dialect === 'postgresql'
    ? { dialect, schema: './src/schema/postgres/index.ts', out: './drizzle/postgres', strict: true }
    : { dialect, schema: './src/schema/sqlite/index.ts', out: './drizzle/sqlite', strict: true },
);
