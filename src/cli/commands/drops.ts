/**
 * What a downgrade or reset would drop, for the confirmation prompt (issue: a prompt that names only
 * the URL does not tell a person what they are about to lose): the revisions reverted and the tables
 * dropped, with how many rows each holds now. Tables come from drizzle-kit's snapshots, which ship
 * with the migrations: those of the current revision that the target revision does not have.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../database.js';
import type { RevisionRef } from '../../public/migrations.js';
import { PACKAGE_MIGRATIONS_DIR } from '../../migrations/revisions.js';

/** Table names of the schema after `count` revisions (none at base). */
function tablesAfter(db: Database, count: number): Set<string> {
  if (count === 0) return new Set();
  const folder = db.dialect === 'sqlite' ? 'sqlite' : 'postgres';
  const path = join(
    PACKAGE_MIGRATIONS_DIR,
    folder,
    'meta',
    `${String(count - 1).padStart(4, '0')}_snapshot.json`,
  );
  if (!existsSync(path)) return new Set();
  const snapshot = JSON.parse(readFileSync(path, 'utf8')) as { tables?: Record<string, unknown> };
  return new Set(Object.keys(snapshot.tables ?? {}).map((key) => key.replace(/^public\./, '')));
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/**
 * "reverts 2 revisions (a (x), b (y)) and drops 3 tables holding 1,234 rows: log 1,000, flow 234, …"
 * for a move from the current revision to `to` (a revision id, or null for base).
 */
export async function describeDrops(
  db: Database,
  to: string | null,
  mode: 'downgrade' | 'reset' = 'downgrade',
): Promise<string> {
  const status = await db.migrations.status();
  const all = [...status.applied, ...status.pending];
  const from = status.applied.length;
  const target = to === null ? 0 : all.findIndex((r) => r.revision === to) + 1;
  if (target >= from) return mode === 'reset' ? 'applies the schema to an empty database' : 'reverts nothing';
  const reverted = status.applied.slice(target).reverse();
  const kept = tablesAfter(db, target);
  const dropped = [...tablesAfter(db, from)].filter((t) => !kept.has(t)).sort();
  const counts: { table: string; rows: number }[] = [];
  for (const table of dropped) {
    const [row] = await db.execute<{ n: unknown }>(`select count(*) as n from "${table}"`);
    counts.push({ table, rows: Number(row?.n ?? 0) });
  }
  const total = counts.reduce((sum, c) => sum + c.rows, 0);
  const names = (refs: RevisionRef[]) => refs.map((r) => `${r.revision} (${r.name})`).join(', ');
  const nonEmpty = counts.filter((c) => c.rows > 0).sort((a, b) => b.rows - a.rows);
  const rows =
    nonEmpty.length > 0
      ? ` (${nonEmpty.map((c) => `${c.table} ${c.rows.toLocaleString('en-US')}`).join(', ')})`
      : '';
  const drops = `drops ${plural(dropped.length, 'table')} holding ${plural(total, 'row')}${rows}`;
  if (mode === 'reset') return `${drops}, then applies the schema again, empty`;
  const text = `reverts ${plural(reverted.length, 'revision')} (${names(reverted)})`;
  return dropped.length === 0 ? `${text} and drops no table` : `${text} and ${drops}`;
}
