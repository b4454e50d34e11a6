/** Reading the generated migration folders: journals, snapshots, the revision manifest. Dev-time only. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DIALECTS = ['sqlite', 'postgresql'] as const;
export type DialectName = (typeof DIALECTS)[number];

export const ROOT = new URL('..', import.meta.url).pathname;
export const folderOf = (dialect: DialectName) =>
  join(ROOT, 'drizzle', dialect === 'sqlite' ? 'sqlite' : 'postgres');
export const MANIFEST_PATH = join(ROOT, 'drizzle', 'revisions.json');

export interface JournalEntry {
  idx: number;
  tag: string;
}

export function readJournal(dialect: DialectName): JournalEntry[] {
  const path = join(folderOf(dialect), 'meta', '_journal.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { entries: JournalEntry[] }).entries;
}

export function readSnapshot(dialect: DialectName, idx: number): Record<string, unknown> {
  const file = join(folderOf(dialect), 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

export interface ManifestEntry {
  revision: string;
  name: string;
}

export function readManifest(): ManifestEntry[] {
  if (!existsSync(MANIFEST_PATH)) return [];
  return (JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as { revisions: ManifestEntry[] }).revisions;
}

/** "0003_search_indexes" → "search_indexes" */
export const nameOfTag = (tag: string) => tag.replace(/^\d{4}_/, '');
