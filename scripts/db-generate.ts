/**
 * `npm run db:generate -- --name <name>`: one logical revision on both dialects.
 * Runs drizzle-kit for SQLite and PostgreSQL, adds an empty custom migration to a dialect the change
 * does not touch (so both keep the same revision list), writes every missing `.down.sql` from the
 * snapshots, and appends the revision to drizzle/revisions.json.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DIALECTS,
  type DialectName,
  MANIFEST_PATH,
  ROOT,
  folderOf,
  nameOfTag,
  readJournal,
  readManifest,
  readSnapshot,
} from './drizzle-files.js';
import { ambiguousRenames, diff, emptySnapshot } from './snapshots.js';

const BREAKPOINT = '--> statement-breakpoint';

function drizzleKit(dialect: DialectName, args: string[]): void {
  execFileSync('npx', ['drizzle-kit', 'generate', ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, DRIZZLE_DIALECT: dialect },
  });
}

async function writeDownFiles(dialect: DialectName): Promise<void> {
  const entries = readJournal(dialect);
  for (const entry of entries) {
    const downPath = join(folderOf(dialect), `${entry.tag}.down.sql`);
    if (existsSync(downPath)) continue;
    const current = readSnapshot(dialect, entry.idx);
    const previous = entry.idx === 0 ? await emptySnapshot(dialect) : readSnapshot(dialect, entry.idx - 1);
    const problems = ambiguousRenames(previous, current);
    if (problems.length > 0) {
      throw new Error(
        `${dialect} ${entry.tag}: ${problems.join('; ')}. Write ${downPath} by hand (a generated down would drop data).`,
      );
    }
    const statements = await diff(dialect, current, previous);
    const header = `-- Down migration for ${entry.tag}, generated from the snapshots; review before committing.\n`;
    writeFileSync(downPath, header + statements.map((s) => s.trim()).join(`\n${BREAKPOINT}\n`) + '\n');
    console.log(`wrote ${downPath}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { name: { type: 'string' } } });
  const before = Object.fromEntries(DIALECTS.map((d) => [d, readJournal(d).length])) as Record<
    DialectName,
    number
  >;
  if (values.name) {
    if (!/^[a-z0-9_]+$/.test(values.name)) throw new Error('--name takes lower-case letters, digits and _');
    for (const dialect of DIALECTS) drizzleKit(dialect, ['--name', values.name]);
    const grew = DIALECTS.filter((d) => readJournal(d).length > before[d]);
    if (grew.length === 0) {
      console.log('No schema changes on either dialect; nothing generated.');
      return;
    }
    for (const dialect of DIALECTS.filter((d) => !grew.includes(d))) {
      // Keep revision lists aligned: an empty migration (and an empty down) on the untouched dialect.
      drizzleKit(dialect, ['--custom', '--name', values.name]);
    }
  }
  for (const dialect of DIALECTS) await writeDownFiles(dialect);

  const manifest = readManifest();
  const tags = readJournal('sqlite').map((e) => e.tag);
  for (const [i, tag] of tags.entries()) {
    if (manifest[i]) continue;
    manifest.push({ revision: randomBytes(6).toString('hex'), name: nameOfTag(tag) });
  }
  writeFileSync(MANIFEST_PATH, JSON.stringify({ revisions: manifest }, null, 2) + '\n');
  console.log(`manifest: ${manifest.length} revisions`);
}

main().catch((error: Error) => {
  console.error(`db:generate failed: ${error.message}`);
  process.exit(1);
});
