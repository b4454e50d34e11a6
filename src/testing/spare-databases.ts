/**
 * One spare test database per server and template, made while the previous test runs.
 *
 * `CREATE DATABASE … TEMPLATE` is the floor of a server test database (40 ms on a quiet server, over
 * 200 ms on a loaded one: it copies the template's files and writes them to the WAL). A suite
 * creates one per test, one after another, so the helper starts the copy for the next test as soon
 * as it hands one out: a test that runs longer than a copy finds its successor's database made, and
 * waits only for the check that it is still there. The work the server does is the same; it moves
 * from the test's wait into the previous test's run (issue 13's `createTestDatabase()` target).
 *
 * Spares start at a process's second creation on a server and template: a process that makes one
 * database makes no spare. A spare belongs to the process like its other test databases (its name carries the owner token),
 * so a killed process's spare is swept as an orphan by the next process; `releaseTestResources()`
 * drops it, and so does a process whose event loop runs empty (`beforeExit`).
 */

interface Spare {
  serverUrl: string;
  /** Its URL once made; undefined when the copy failed (the next creation makes its own, and throws). */
  made: Promise<string | undefined>;
  drop: (serverUrl: string, url: string) => Promise<void>;
}

/** By `<server> <template>`: at most one each. */
const spares = new Map<string, Spare>();
/** Creations by `<server> <template>` in this process. */
const creations = new Map<string, number>();
let exitHook = false;

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

/**
 * Takes the spare for `key`, if one was started: its URL once made and still on the server (`exists`
 * asks), else undefined and the caller makes its own copy.
 */
export async function takeSpare(
  key: string,
  exists: (database: string) => Promise<boolean>,
): Promise<string | undefined> {
  const spare = spares.get(key);
  if (!spare) return undefined;
  spares.delete(key);
  const url = await spare.made;
  if (url === undefined) return undefined;
  // Dropped by hand, or swept by another process after this one lost its owner connection.
  return (await exists(databaseOf(url)).catch(() => false)) ? url : undefined;
}

/**
 * Called after each creation for `key`: from the process's second one on, starts the spare with
 * `make` unless one is already there or on its way. A process that makes a single database (a test
 * file with one `beforeAll`) would only waste the copy, and leave it for the next process to sweep.
 */
export function makeSpare(
  key: string,
  serverUrl: string,
  make: () => Promise<string>,
  drop: Spare['drop'],
): void {
  const count = (creations.get(key) ?? 0) + 1;
  creations.set(key, count);
  if (count < 2 || spares.has(key)) return;
  spares.set(key, { serverUrl, made: make().catch(() => undefined), drop });
  if (!exitHook) {
    exitHook = true;
    // The loop ran empty with a spare left: drop it, so a script that closed its databases leaves
    // none behind. Once: the drop's own work empties the loop again.
    process.once('beforeExit', () => {
      void dropSpares();
    });
  }
}

/**
 * Drops every spare this process made (those on their way first wait to be made), and forgets the
 * creations counted: the next creation starts afresh.
 */
export async function dropSpares(): Promise<void> {
  const all = [...spares.values()];
  spares.clear();
  creations.clear();
  for (const spare of all) {
    const url = await spare.made;
    if (url !== undefined) await spare.drop(spare.serverUrl, url).catch(() => {});
  }
}
