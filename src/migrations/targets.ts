import { MigrationError } from '../errors.js';
import type { Revision } from './revisions.js';

/**
 * The fewest characters of a revision id taken as its prefix. A shorter one is refused, not
 * matched: `-r 7` read as "revision 7" of docs/migrations.md's table matched the id `7834de6676a0`
 * (revision 1) and a downgrade would have reverted nine revisions (a fresh user's trial).
 */
export const MIN_PREFIX = 4;

function shortPrefix(t: string, revisions: readonly Revision[]): MigrationError {
  const n = /^\d+$/.test(t) ? Number(t) : 0;
  const numbered = n >= 1 && n <= revisions.length ? revisions[n - 1] : undefined;
  const hint = numbered
    ? ` Revision ${n} in the table of docs/migrations.md is ${numbered.revision} (${numbered.name}): pass "${numbered.name}" or "${numbered.revision}".`
    : ` Pass a revision name, an id, or at least ${MIN_PREFIX} characters of one (orion-db history lists them).`;
  return new MigrationError(
    `Target "${t}" is too short to be a revision id prefix (at least ${MIN_PREFIX} characters): nothing was run.${hint}`,
  );
}

/**
 * Turns a target into the number of revisions that should be applied. Matched in this order:
 * `head`, `base`, `+N`, `-N` (relative to `current`), an exact revision id, a migration name (with
 * or without its `NNNN_` prefix), a unique prefix of a revision id of at least MIN_PREFIX
 * characters (a shorter hex target is a MigrationError naming the revision it may have meant).
 */
export function resolveTarget(target: string, revisions: readonly Revision[], current: number): number {
  const t = target.trim();
  if (t === 'head') return revisions.length;
  if (t === 'base') return 0;
  const relative = /^([+-])(\d+)$/.exec(t);
  if (relative) {
    const steps = Number(relative[2]) * (relative[1] === '+' ? 1 : -1);
    const wanted = current + steps;
    if (wanted < 0 || wanted > revisions.length) {
      throw new MigrationError(
        `Target ${t} is out of range: the database is at revision ${current} of ${revisions.length}, and ${t} would go ${wanted < 0 ? `${-wanted} below base` : `${wanted - revisions.length} past head`}`,
      );
    }
    return wanted;
  }
  const exact = revisions.find((r) => r.revision === t.toLowerCase());
  if (exact) return exact.index + 1;
  const named = revisions.find((r) => r.name === t || r.tag === t);
  if (named) return named.index + 1;
  const hex = /^[0-9a-f]+$/i.test(t);
  if (hex && t.length < MIN_PREFIX) throw shortPrefix(t, revisions);
  const prefixed = hex ? revisions.filter((r) => r.revision.startsWith(t.toLowerCase())) : [];
  if (prefixed.length === 1) return prefixed[0]!.index + 1;
  const list = (rs: readonly Revision[]) => rs.map((r) => `${r.revision} (${r.name})`).join(', ');
  if (prefixed.length > 1) {
    throw new MigrationError(`Target "${t}" is ambiguous: it is a prefix of ${list(prefixed)}`);
  }
  const close = revisions.filter(
    (r) =>
      r.name.includes(t) ||
      t.includes(r.name) ||
      r.revision.slice(0, 4) === t.toLowerCase().slice(0, 4) ||
      editDistance(t.toLowerCase(), r.name) <= 3,
  );
  const hint =
    close.length > 0
      ? ` Did you mean ${list(close)}?`
      : ` Known revisions: ${list(revisions)}; or head, base, +N, -N.`;
  throw new MigrationError(`Unknown migration target "${t}".${hint}`);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}
