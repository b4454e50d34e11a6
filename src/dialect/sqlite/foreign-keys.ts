/**
 * SQLite reports a foreign-key violation as "FOREIGN KEY constraint failed" with no table, column or
 * constraint, where PostgreSQL names all three. To give the same error class and fields on both
 * dialects (semantics.md §2 "Errors": a foreign-key miss is `NotFoundError`, a row still referenced
 * is `ConflictError`), the statement that failed is diagnosed right where it failed, while the
 * connection is still ours (better-sqlite3 is synchronous, so nothing else can run in between):
 *
 * - INSERT / UPDATE: inside a savepoint, with `PRAGMA defer_foreign_keys` on, the statement runs again;
 *   it now succeeds, and `PRAGMA foreign_key_check(<table>)` names the violated key (its parent
 *   table and the key's position in `foreign_key_list`) and the row, from which the missing id is
 *   read. So with several foreign keys on one table (a flow run's flow, queue and parent task run)
 *   the one that is actually missing is named, not guessed. The savepoint is rolled back.
 * - DELETE: the same re-run leaves the children that still point at the deleted rows, which
 *   `foreign_key_check` names. A RESTRICT key fails even when deferred; then the RESTRICT keys that
 *   can be reached from the table (directly or through ON DELETE CASCADE) are the candidates, and
 *   one candidate is named; several are reported without a name.
 *
 * This runs only on the failure path; the statement's effects never survive it.
 */
import type Sqlite from 'better-sqlite3';
import { type ConstraintCatalog, foreignKeyName, sqliteConstraints } from '../constraints.js';

/** What a failed statement violated; attached to the driver error as `orionForeignKey`. */
export interface ForeignKeyFailure {
  /** `missing`: the written row references a row that does not exist. `referenced`: a deleted row is still referenced. */
  readonly kind: 'missing' | 'referenced';
  /** The referencing table (the child). */
  readonly table: string;
  /** The referenced table (the parent). */
  readonly referencedTable: string;
  /** The constraint's name, as PostgreSQL reports it; undefined when it could not be told apart. */
  readonly constraint: string | undefined;
  /** The missing key (for `missing`), when it could be read. */
  readonly value: string | undefined;
}

/** The property that carries the diagnosis on a better-sqlite3 error. */
export const FOREIGN_KEY_FAILURE = 'orionForeignKey';

interface ForeignKeyRow {
  id: number;
  seq: number;
  table: string;
  from: string;
  on_delete: string;
}

interface CheckRow {
  table: string;
  rowid: number | bigint | null;
  parent: string;
  fkid: number;
}

const STATEMENT =
  /^\s*(insert|replace|update|delete)\b(?:\s+or\s+\w+)?(?:\s+into|\s+from)?\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/i;
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function keyColumns(connection: Sqlite.Database, table: string, fkid: number): ForeignKeyRow[] {
  return (connection.pragma(`foreign_key_list(${quote(table)})`) as ForeignKeyRow[])
    .filter((row) => row.id === fkid)
    .sort((a, b) => a.seq - b.seq);
}

function violation(
  connection: Sqlite.Database,
  catalog: ConstraintCatalog,
  check: CheckRow,
  kind: ForeignKeyFailure['kind'],
): ForeignKeyFailure {
  const columns = keyColumns(connection, check.table, check.fkid).map((row) => row.from);
  let value: string | undefined;
  if (kind === 'missing' && check.rowid !== null && columns.length > 0) {
    const row = connection
      .prepare(`select ${columns.map(quote).join(', ')} from ${quote(check.table)} where rowid = ?`)
      .raw()
      .get(check.rowid) as unknown[] | undefined;
    value = row?.map(String).join(', ');
  }
  return {
    kind,
    table: check.table,
    referencedTable: check.parent,
    constraint: foreignKeyName(catalog, check.table, columns, check.parent),
    value,
  };
}

type ChildKey = ForeignKeyRow & { child: string };

/** Every foreign key of the database, and the tables a delete from `table` reaches through ON DELETE CASCADE. */
function cascadeReach(
  connection: Sqlite.Database,
  table: string,
): { keys: ChildKey[]; reached: Set<string> } {
  const tables = (
    connection.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]
  ).map((row) => row.name);
  const keys = tables.flatMap((child) =>
    (connection.pragma(`foreign_key_list(${quote(child)})`) as ForeignKeyRow[]).map((row) => ({
      ...row,
      child,
    })),
  );
  const reached = new Set([table]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const key of keys) {
      if (key.on_delete === 'CASCADE' && reached.has(key.table) && !reached.has(key.child)) {
        reached.add(key.child);
        grew = true;
      }
    }
  }
  return { keys, reached };
}

/** RESTRICT keys that deleting rows of `table` can run into, directly or through ON DELETE CASCADE. */
function restrictCandidates(connection: Sqlite.Database, table: string): ForeignKeyFailure[] {
  const catalog = sqliteConstraints();
  const { keys, reached } = cascadeReach(connection, table);
  const seen = new Set<string>();
  const out: ForeignKeyFailure[] = [];
  for (const key of keys) {
    if (key.on_delete !== 'RESTRICT' || !reached.has(key.table) || seen.has(`${key.child}/${key.id}`))
      continue;
    seen.add(`${key.child}/${key.id}`);
    const columns = keyColumns(connection, key.child, key.id).map((row) => row.from);
    out.push({
      kind: 'referenced',
      table: key.child,
      referencedTable: key.table,
      constraint: foreignKeyName(catalog, key.child, columns, key.table),
      value: undefined,
    });
  }
  return out;
}

/**
 * Works out which foreign key the statement `source` (with `params`) violated; undefined when the
 * statement is not a plain INSERT/UPDATE/DELETE or the re-run tells nothing. Never throws.
 */
export function diagnoseForeignKeyFailure(
  connection: Sqlite.Database,
  source: string,
  params: unknown[],
): ForeignKeyFailure | undefined {
  const match = STATEMENT.exec(source);
  if (!match) return undefined;
  const verb = match[1]!.toLowerCase();
  const table = match[2]!;
  const catalog = sqliteConstraints();
  let deferred: unknown;
  try {
    deferred = connection.pragma('defer_foreign_keys', { simple: true });
    connection.exec('SAVEPOINT orion_fk_diagnosis');
  } catch {
    return undefined;
  }
  try {
    connection.pragma('defer_foreign_keys = ON');
    let reran = true;
    try {
      const statement = connection.prepare(source);
      if (statement.reader) statement.all(...params);
      else statement.run(...params);
    } catch {
      reran = false;
    }
    if (verb === 'delete') {
      if (!reran) {
        const candidates = restrictCandidates(connection, table);
        if (candidates.length === 1) return candidates[0];
        return {
          kind: 'referenced',
          table,
          referencedTable: table,
          constraint: undefined,
          value: undefined,
        };
      }
      // Only children of the rows this delete removed (directly or by cascade) count, not a
      // violation some earlier write left with foreign keys off.
      const { reached } = cascadeReach(connection, table);
      const found = (connection.pragma('foreign_key_check') as CheckRow[]).find((row) =>
        reached.has(row.parent),
      );
      return found ? violation(connection, catalog, found, 'referenced') : undefined;
    }
    if (!reran) return undefined;
    // The newest row is the one this statement wrote (an insert gets the highest rowid).
    const found = (connection.pragma(`foreign_key_check(${quote(table)})`) as CheckRow[]).at(-1);
    return found ? violation(connection, catalog, found, 'missing') : undefined;
  } catch {
    return undefined;
  } finally {
    try {
      connection.exec('ROLLBACK TO orion_fk_diagnosis');
      connection.exec('RELEASE orion_fk_diagnosis');
      connection.pragma(`defer_foreign_keys = ${deferred ? 'ON' : 'OFF'}`);
    } catch {
      // The savepoint is gone only if the connection itself failed; the original error stands.
    }
  }
}

/**
 * True for better-sqlite3's foreign-key failures: SQLITE_CONSTRAINT_FOREIGNKEY, and the
 * SQLITE_CONSTRAINT_TRIGGER with the same message that an ON DELETE RESTRICT key raises.
 */
export function isForeignKeyFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ||
    (code === 'SQLITE_CONSTRAINT_TRIGGER' && /FOREIGN KEY constraint failed/.test(String(message)))
  );
}

type Runner = (...params: unknown[]) => unknown;

/**
 * Makes a prepared statement diagnose its own foreign-key failures: when `run`, `all` or `get`
 * throws one (see `isForeignKeyFailure`), the error gets an `orionForeignKey` property
 * (a `ForeignKeyFailure`) before it goes on to the error mapping. Other errors pass untouched.
 */
export function diagnoseForeignKeys(
  connection: Sqlite.Database,
  statement: Sqlite.Statement,
  source: string,
): void {
  // Only writes can violate a foreign key; plain reads keep the driver's methods untouched.
  if (statement.reader && !/\breturning\b/i.test(source)) return;
  const target = statement as unknown as Record<'run' | 'all' | 'get', Runner>;
  for (const method of ['run', 'all', 'get'] as const) {
    const original = target[method]!;
    target[method] = function (this: unknown, ...params: unknown[]) {
      try {
        return original.apply(this, params);
      } catch (error) {
        if (isForeignKeyFailure(error)) {
          const failure = diagnoseForeignKeyFailure(connection, source, params);
          if (failure) Object.assign(error as object, { [FOREIGN_KEY_FAILURE]: failure });
        }
        throw error;
      }
    };
  }
}
