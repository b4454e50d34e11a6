// npm run demo: opens the default database (SQLite at $ORION_HOME/orion.db, ~/.orion by default),
// migrates it on open, and prints where it is and which revision it is at.
import { createDatabase, maskSecrets } from '@orion/db';

const db = await createDatabase();
try {
  const status = await db.migrations.status();
  const tables = Object.keys((await db.migrations.schema()).tables);
  console.log(`database: ${db.dialect} (${db.driver}) at ${maskSecrets(db.settings.url)}`);
  console.log(
    `revision: ${status.current?.revision} (${status.current?.name}), head ${status.head?.revision}`,
  );
  console.log(
    `pending:  ${status.pending.length === 0 ? 'none' : status.pending.map((p) => p.name).join(', ')}`,
  );
  console.log(`tables:   ${tables.length} (${tables.join(', ')})`);
} finally {
  await db.close();
}
