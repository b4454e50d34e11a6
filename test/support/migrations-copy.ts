import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_MIGRATIONS_DIR } from '../../src/migrations/revisions.js';

/** A writable copy of the packaged migrations folder, for tests that edit or extend it. */
export function copyMigrations(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'orion-migrations-'));
  cpSync(PACKAGE_MIGRATIONS_DIR, dir, { recursive: true });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Appends a revision (the same up/down on both dialects) to a copied migrations folder and returns
 * its file tag (`NNNN_name`), which depends on how many revisions ship.
 */
export function appendRevision(
  dir: string,
  revision: string,
  name: string,
  up: string,
  down: string,
): string {
  let appended = '';
  const manifestPath = join(dir, 'revisions.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.revisions.push({ revision, name });
  writeFileSync(manifestPath, JSON.stringify(manifest));
  for (const folder of ['sqlite', 'postgres']) {
    const journalPath = join(dir, folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    const idx = journal.entries.length;
    const tag = `${String(idx).padStart(4, '0')}_${name}`;
    journal.entries.push({ idx, version: '7', when: Date.now(), tag, breakpoints: true });
    writeFileSync(journalPath, JSON.stringify(journal));
    writeFileSync(join(dir, folder, `${tag}.sql`), up);
    writeFileSync(join(dir, folder, `${tag}.down.sql`), down);
    appended = tag;
  }
  return appended;
}
