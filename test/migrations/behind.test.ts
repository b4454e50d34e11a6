/**
 * semantics.md §3: a database behind the code, opened without migrating, is a `MigrationError` at
 * open naming the current and head revisions and `orion-db upgrade`. Opens that look at a database
 * as it is (`verifyOnOpen: false`: the CLI, `migrate()`) and opens that migrate still work.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/index.js';
import { loadRevisions } from '../../src/migrations/revisions.js';
import { type BlankDatabase, blankDatabase } from '../support/blank-database.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('opening a database behind the code (%s)', (dialect) => {
  let blank: BlankDatabase;
  beforeEach(async () => {
    blank = await blankDatabase(dialect);
  });
  afterEach(async () => {
    await blank.dispose();
  });

  const refused = (extra = {}) =>
    blank.open({ verifyOnOpen: true, ...extra }).then(
      async (db) => {
        await db.close();
        return expect.unreachable('the open should have been refused');
      },
      (error: unknown) => error as Error,
    );

  it('refuses one revision behind, naming both revisions and orion-db upgrade', async () => {
    const revisions = loadRevisions(dialect);
    const head = revisions.at(-1)!;
    const previous = revisions.at(-2)!;
    const db = await blank.open();
    await db.migrate({ to: 'head' });
    await db.migrate({ to: '-1' });
    await db.close();

    const error = await refused();
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toContain(`at ${previous.revision} (${previous.name})`);
    expect(error.message).toContain(`head is ${head.revision} (${head.name})`);
    expect(error.message).toContain('1 migration pending');
    expect(error.message).toContain('orion-db upgrade');

    // Looking at it as it is still works, and so does an open that migrates.
    const asItIs = await blank.open({ verifyOnOpen: false });
    expect((await asItIs.migrations.status()).current?.revision).toBe(previous.revision);
    await asItIs.close();
    await (await blank.open({ migrateOnOpen: true })).close();
    await (await blank.open({ verifyOnOpen: true })).close();
  });

  it('refuses an empty database as at base', async () => {
    const error = await refused();
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toContain('at base (no migrations applied)');
    expect(error.message).toContain(loadRevisions(dialect).at(-1)!.revision);
  });
});
