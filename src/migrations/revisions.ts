import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DialectName } from '../dialect/dialect.js';
import { MigrationError } from '../errors.js';

/** One logical revision, as it applies to one dialect. */
export interface Revision {
  /** Stable 12-hex id, the same on both dialects. */
  readonly revision: string;
  readonly name: string;
  /** `NNNN_name`, the file stem drizzle-kit gave it. */
  readonly tag: string;
  readonly index: number;
  readonly up: string[];
  readonly down: string[];
  /** sha256 of the up file, verified against what was recorded when it was applied. */
  readonly checksum: string;
  /** A down file whose first line is `-- irreversible` refuses to run unless forced. */
  readonly irreversible: boolean;
}

/** The `drizzle/` folder that ships with this package (src/ and dist/ sit at the same depth). */
export const PACKAGE_MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle/', import.meta.url));

const BREAKPOINT = '--> statement-breakpoint';
// drizzle-kit writes these into SQLite table rebuilds; inside a transaction they do nothing, so the
// migrator strips them and switches foreign keys off around the transaction instead (drizzle #5782).
const FOREIGN_KEYS_PRAGMA = /^PRAGMA\s+foreign_keys\s*=\s*(OFF|ON)\s*;?$/i;

/** Splits a migration file into statements at drizzle-kit's breakpoints, dropping comment-only parts. */
export function splitStatements(text: string, dialect: DialectName): string[] {
  return text
    .split(BREAKPOINT)
    .map((part) =>
      part
        .split('\n')
        .filter((line) => !/^\s*--/.test(line))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement !== '' && statement !== ';')
    .filter((statement) => dialect !== 'sqlite' || !FOREIGN_KEYS_PRAGMA.test(statement));
}

interface Manifest {
  revisions: { revision: string; name: string }[];
}

/**
 * The packaged revisions, read once per process and dialect: they ship with this code and do not
 * change under it (an upgrade in place changes the running code only at the next start), and every
 * open needs them (reading and hashing the files was a quarter of an in-memory test database's open).
 */
const packaged = new Map<DialectName, Revision[]>();

/** Loads every revision for a dialect from a migrations folder (the packaged one by default). */
export function loadRevisions(dialect: DialectName, dir = PACKAGE_MIGRATIONS_DIR): Revision[] {
  if (dir !== PACKAGE_MIGRATIONS_DIR) return readRevisions(dialect, dir);
  let revisions = packaged.get(dialect);
  if (!revisions) {
    // Frozen: a caller's edits must not reach the next open.
    revisions = readRevisions(dialect, dir).map((r) =>
      Object.freeze({ ...r, up: Object.freeze(r.up) as string[], down: Object.freeze(r.down) as string[] }),
    );
    packaged.set(dialect, revisions);
  }
  return [...revisions];
}

function readRevisions(dialect: DialectName, dir: string): Revision[] {
  const manifestPath = join(dir, 'revisions.json');
  const folder = join(dir, dialect === 'sqlite' ? 'sqlite' : 'postgres');
  const journalPath = join(folder, 'meta', '_journal.json');
  if (!existsSync(manifestPath) || !existsSync(journalPath)) {
    throw new MigrationError(`Migration files are missing: expected ${manifestPath} and ${journalPath}`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  if (journal.entries.length !== manifest.revisions.length) {
    throw new MigrationError(
      `${journalPath} lists ${journal.entries.length} migrations but ${manifestPath} lists ${manifest.revisions.length}`,
    );
  }
  return journal.entries.map((entry, index) => {
    const meta = manifest.revisions[index]!;
    const upText = readFileSync(join(folder, `${entry.tag}.sql`), 'utf8');
    const downPath = join(folder, `${entry.tag}.down.sql`);
    const downText = existsSync(downPath)
      ? readFileSync(downPath, 'utf8')
      : '-- irreversible: no down file\n';
    return {
      revision: meta.revision,
      name: meta.name,
      tag: entry.tag,
      index,
      up: splitStatements(upText, dialect),
      down: splitStatements(downText, dialect),
      checksum: createHash('sha256').update(upText).digest('hex'),
      irreversible: /^--\s*irreversible/i.test(downText.trimStart()),
    };
  });
}
