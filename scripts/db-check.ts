/**
 * `npm run db:check` (part of `npm test`): fails when a schema file changed without a generated
 * migration, when a migration lacks its down file, or when the manifest and the journals disagree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DIALECTS, folderOf, nameOfTag, readJournal, readManifest, readSnapshot } from './drizzle-files.js';
import { currentSnapshot, diff } from './snapshots.js';

async function main(): Promise<number> {
  const problems: string[] = [];
  const manifest = readManifest();
  const ids = new Set<string>();
  for (const entry of manifest) {
    if (!/^[0-9a-f]{12}$/.test(entry.revision))
      problems.push(`manifest: revision ${entry.revision} is not 12 hex characters`);
    if (ids.has(entry.revision)) problems.push(`manifest: revision ${entry.revision} appears twice`);
    ids.add(entry.revision);
  }
  for (const dialect of DIALECTS) {
    const journal = readJournal(dialect);
    if (journal.length !== manifest.length) {
      problems.push(
        `${dialect}: ${journal.length} migrations in the journal, ${manifest.length} in drizzle/revisions.json`,
      );
    }
    for (const [i, entry] of journal.entries()) {
      if (manifest[i] && manifest[i].name !== nameOfTag(entry.tag)) {
        problems.push(`${dialect}: migration ${entry.tag} is "${manifest[i].name}" in the manifest`);
      }
      for (const suffix of ['.sql', '.down.sql']) {
        if (!existsSync(join(folderOf(dialect), entry.tag + suffix)))
          problems.push(`${dialect}: ${entry.tag}${suffix} is missing`);
      }
    }
    const last = journal.at(-1);
    if (last === undefined) continue;
    const pending = await diff(dialect, readSnapshot(dialect, last.idx), await currentSnapshot(dialect));
    if (pending.length > 0) {
      problems.push(
        `${dialect}: the schema in src/schema differs from the last migration (${pending.length} statements, e.g. ${pending[0]?.slice(0, 120)}). Run npm run db:generate -- --name <name>.`,
      );
    }
  }
  for (const p of problems) console.error(`db:check: ${p}`);
  if (problems.length === 0)
    console.log(`db:check: ${manifest.length} revisions, both dialects in step with the schema`);
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`db:check failed: ${error.message}`);
    process.exit(1);
  },
);
