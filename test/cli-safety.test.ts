/**
 * The CLI never does what a command's name does not say (issue 12 §1): an upgrade never
 * downgrades and a downgrade never upgrades; the confirmation of downgrade and reset says what would
 * be dropped; `--version`; one line for an unknown command; output piped into `head` ends quietly.
 * Runs the built bin as a real process with a temporary home, on SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/index.js';
import { loadRevisions } from '../src/migrations/revisions.js';
import { type BlankDatabase, blankDatabase } from './support/blank-database.js';
import { postgresIsServer } from './support/dialects.js';
import { ROOT, run } from './support/spawn.js';

const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const serverAvailable = await postgresIsServer();

describe.each(['sqlite', 'postgresql'] as const)('orion-db keeps to its word (%s)', (dialect) => {
  let home: string;
  let blank: BlankDatabase | undefined;
  let url: string;
  const revisions = loadRevisions(dialect);
  const head = revisions.at(-1)!.revision;
  const cli = (args: string[], input?: string) =>
    run(process.execPath, [BIN, '--url', url, ...args], { env: { ...process.env, ORION_HOME: home }, input });
  const current = async () => /current:\s+(\S+)/.exec((await cli(['status'])).stdout)?.[1];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'orion-cli-safety-'));
    if (dialect === 'sqlite') url = `sqlite:///${join(home, 'orion.db')}`;
    else if (serverAvailable) {
      blank = await blankDatabase('postgresql');
      url = blank.url!;
    } else url = `pglite://${join(home, 'pgdata')}`;
  });
  afterAll(async () => {
    await blank?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses an upgrade to a target behind the database and a downgrade to one ahead, changing nothing', async () => {
    expect((await cli(['upgrade', '-y'])).code).toBe(0);
    for (const target of ['base', '-1', revisions[0]!.revision]) {
      const r = await cli(['upgrade', '-y', '-r', target]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(/^orion-db: Refusing to upgrade to .*would downgrade it; nothing was changed/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await current()).toBe(head);
    }
    expect((await cli(['upgrade', '--dry-run', '-r', 'base'])).code).toBe(1);
    expect((await cli(['downgrade', '-y', '-r', revisions[0]!.revision])).code).toBe(0);
    for (const target of ['head', '+1', revisions[1]!.revision]) {
      const r = await cli(['downgrade', '-y', '-r', target]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(/^orion-db: Refusing to downgrade to .*would upgrade it; nothing was changed/);
      expect(await current()).toBe(revisions[0]!.revision);
    }
    // The target the database is at already is nothing to do, either way.
    expect((await cli(['downgrade', '-y', '-r', revisions[0]!.revision])).stdout).toMatch(/Nothing to do/);
    expect((await cli(['upgrade', '-y'])).code).toBe(0);
  });

  it('the confirmation of downgrade and reset names the revisions, the tables and their rows', async () => {
    expect((await cli(['upgrade', '-y'])).code).toBe(0);
    const db = await createDatabase({ url, migrateOnOpen: false, isolated: true });
    try {
      const flow = await db.flows.create({ name: 'kept' });
      for (let i = 0; i < 3; i++) await db.flowRuns.create({ flowId: flow.id });
    } finally {
      await db.close();
    }
    let r = await cli(['downgrade', '-r', 'base'], 'y\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`reverts ${revisions.length} revisions (${head} (`);
    expect(r.stderr).toMatch(/drops \d+ tables holding 4 rows \(flow_run 3, flow 1\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    r = await cli(['downgrade'], 'y\n');
    expect(r.stderr).toContain(`reverts 1 revision (${head} (`);
    r = await cli(['reset'], 'y\n');
    expect(r.stderr).toMatch(
      /drops \d+ tables holding 4 rows \(flow_run 3, flow 1\), then applies the schema again/,
    );
    expect(await current()).toBe(head);
  });
});

describe('orion-db speaks plainly', () => {
  const cli = (args: string[]) => run(process.execPath, [BIN, ...args]);

  it('prints its version', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  it('an unknown command is one line with a suggestion', async () => {
    const r = await cli(['upgrad']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("orion-db: unknown command 'upgrad' (did you mean upgrade?)\n");
  });

  it('output piped into a reader that stops early ends quietly', async () => {
    const home = mkdtempSync(join(tmpdir(), 'orion-cli-pipe-'));
    try {
      const env = { ...process.env, ORION_HOME: home };
      await run(process.execPath, [BIN, 'upgrade', '-y'], { env });
      // `true` exits without reading: every write of the CLI meets a closed pipe (EPIPE).
      const r = await run('bash', ['-c', `node ${BIN} history | true; echo "status \${PIPESTATUS[0]}"`], {
        env,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/status 0/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
