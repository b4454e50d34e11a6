/**
 * orion-db for people coming from Prefect (issue 12 §2), as a real process: with PREFECT_HOME at a
 * Prefect home the commands run on the database its profile names, `config view --show-sources`
 * names the real source, `config set`/`unset` never write Prefect's file, `config set` warns when the
 * environment overrides what it wrote, and dropped URL options are printed as notes.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlankDatabase, blankDatabase } from './support/blank-database.js';
import { postgresIsServer } from './support/dialects.js';
import { ROOT, run } from './support/spawn.js';

const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const serverAvailable = await postgresIsServer();

let root: string;
let prefectHome: string;
let profiles: string;
let original: string;
beforeAll(() => {
  expect(existsSync(BIN), `${BIN} is missing: run npm run build`).toBe(true);
  root = mkdtempSync(join(tmpdir(), 'orion-cli-prefect-'));
  prefectHome = join(root, '.prefect');
  profiles = join(prefectHome, 'profiles.toml');
  original = `# written by prefect profile create, edited by hand
active = "local"

[profiles.ephemeral]
PREFECT_SERVER_ALLOW_EPHEMERAL_MODE = "true"

[profiles.local]
PREFECT_API_URL = "http://127.0.0.1:4200/api"  # the local server
PREFECT_LOGGING_LEVEL = "DEBUG"
PREFECT_SERVER_DATABASE_CONNECTION_URL = "sqlite+aiosqlite:///${join(root, 'db', 'server.db')}"
PREFECT_API_DATABASE_TIMEOUT = 20

[profiles.cloud]
PREFECT_API_KEY = "pnu_not_ours"
PREFECT_SQLALCHEMY_POOL_SIZE = 12
`;
  mkdirSync(prefectHome);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the bin with only the given ORION_/PREFECT_ variables (the developer's shell is left out). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  for (const key of Object.keys(base))
    if (key.startsWith('ORION_') || key.startsWith('PREFECT_')) delete base[key];
  return run(process.execPath, [BIN, ...args], { env: { ...base, ...env } });
}

describe('orion-db with a Prefect home', () => {
  const prefect = () => ({ PREFECT_HOME: prefectHome });

  it('runs every command on the database the Prefect profile names, and says where each value came from', async () => {
    writeFileSync(profiles, original);
    let r = await cli(['config', 'view', '--show-sources'], prefect());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ORION_HOME='${prefectHome}'`);
    expect(r.stdout).toContain("ORION_PROFILE='local'");
    expect(r.stdout).toContain(
      `ORION_DATABASE_URL='sqlite+aiosqlite:///${join(root, 'db', 'server.db')}' (from profile local in ${profiles})`,
    );
    expect(r.stdout).toContain(`ORION_DATABASE_TIMEOUT='20' (from profile local in ${profiles})`);
    expect(r.stdout).toContain("ORION_DATABASE_POOL_SIZE='5' (from default)");

    r = await cli(['upgrade', '-y'], prefect());
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(root, 'db', 'server.db'))).toBe(true);
    r = await cli(['status'], prefect());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(join(root, 'db', 'server.db'));

    r = await cli(['config', 'view', '--show-sources'], { ...prefect(), PREFECT_PROFILE: 'cloud' });
    expect(r.stdout).toContain(`ORION_DATABASE_POOL_SIZE='12' (from profile cloud in ${profiles})`);
    r = await cli(['config', 'view', '--show-sources'], {
      ...prefect(),
      PREFECT_API_DATABASE_CONNECTION_URL: 'postgresql+asyncpg://prefect:pw@db:5432/prefect',
    });
    expect(r.stdout).toContain(
      "ORION_DATABASE_URL='postgresql+asyncpg://prefect:********@db:5432/prefect' (from env PREFECT_API_DATABASE_CONNECTION_URL)",
    );
    expect(readFileSync(profiles, 'utf8')).toBe(original);
  });

  it('config set and unset never write the Prefect file: they refuse and say to set ORION_HOME', async () => {
    writeFileSync(profiles, original);
    for (const args of [
      ['config', 'set', 'ORION_DATABASE_POOL_SIZE=3'],
      ['config', 'unset', 'ORION_DATABASE_TIMEOUT'],
    ]) {
      const r = await cli(args, prefect());
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`Prefect's home ${prefectHome}`);
      expect(r.stderr).toContain('Set ORION_HOME');
      expect(readFileSync(profiles, 'utf8')).toBe(original);
    }
  });

  it('PREFECT_PROFILES_PATH: the file Prefect reads is read, and never written', async () => {
    const elsewhere = join(root, 'elsewhere', 'my-profiles.toml');
    mkdirSync(join(root, 'elsewhere'), { recursive: true });
    writeFileSync(elsewhere, original);
    const env = { PREFECT_PROFILES_PATH: elsewhere, ORION_HOME: '' };
    const view = await cli(['config', 'view', '--show-sources'], env);
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toContain(`(from profile local in ${elsewhere})`);
    const r = await cli(['config', 'set', 'ORION_DATABASE_POOL_SIZE=3'], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`Prefect's profiles file ${elsewhere} (PREFECT_PROFILES_PATH)`);
    expect(readFileSync(elsewhere, 'utf8')).toBe(original);
  });

  it("config set and unset refuse a Prefect file found under ORION_HOME, and loading reads it as Prefect's", async () => {
    const home = join(root, 'orion-at-prefect');
    mkdirSync(home, { recursive: true });
    const file = join(home, 'profiles.toml');
    const text =
      '# my prefect profiles\nactive = "local"\n[profiles.local]\nPREFECT_SERVER_DATABASE_TIMEOUT = 30\n';
    writeFileSync(file, text, { mode: 0o644 });
    chmodSync(file, 0o644);
    for (const args of [
      ['config', 'unset', 'ORION_DATABASE_URL'],
      ['config', 'set', 'ORION_DATABASE_POOL_SIZE=3'],
    ]) {
      const r = await cli(args, { ORION_HOME: home });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`${file} holds Prefect settings (PREFECT_*)`);
      expect(r.stderr).toContain('Set ORION_HOME');
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(statSync(file).mode & 0o777).toBe(0o644);
    }
    const r = await cli(['config', 'view', '--show-sources'], { ORION_HOME: home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ORION_DATABASE_TIMEOUT='30' (from profile local in ${file})`);
  });

  it('a no-op config unset leaves our own file untouched (comments and mode)', async () => {
    const home = join(root, 'orion-noop');
    mkdirSync(home, { recursive: true });
    const file = join(home, 'profiles.toml');
    const text = '# mine\n[profiles.default]\nORION_DATABASE_TIMEOUT = "3" # short\n';
    writeFileSync(file, text);
    chmodSync(file, 0o644);
    const r = await cli(['config', 'unset', 'ORION_DATABASE_URL'], { ORION_HOME: home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ORION_DATABASE_URL was not set in profile "default"');
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('a table in a Prefect profile is ignored; a missing profile is a one-line error naming the profiles', async () => {
    writeFileSync(
      profiles,
      `${original}PREFECT_CLIENT_CUSTOM_HEADERS = {X-Test = "1"}\n[profiles.local.nested]\nx = 1\n`,
    );
    let r = await cli(['config', 'view'], prefect());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("ORION_DATABASE_TIMEOUT='20'");
    r = await cli(['config', 'view'], { ...prefect(), PREFECT_PROFILE: 'pgg' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(
      `There is no profile "pgg" in ${profiles}; its profiles: ephemeral, local, cloud`,
    );
    expect(r.stderr).not.toContain('Unexpected');
  });

  it('names the real origin of the URL: a missing SQLite database, prepared statements a URL option turned off', async () => {
    const home = join(root, 'prefect-missing-db');
    mkdirSync(home, { recursive: true });
    const file = join(home, 'profiles.toml');
    const db = join(root, 'missing', 'server.db');
    writeFileSync(
      file,
      `active = "local"\n[profiles.local]\nPREFECT_SERVER_DATABASE_CONNECTION_URL = "sqlite+aiosqlite:///${db}"\n`,
    );
    let r = await cli(['status'], { PREFECT_HOME: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`There is no SQLite database at ${db}`);
    expect(r.stderr).toContain(
      `check PREFECT_SERVER_DATABASE_CONNECTION_URL (from profile "local" in ${file})`,
    );
    expect(r.stderr).not.toContain('ORION_DATABASE_URL');
    expect(existsSync(db)).toBe(false);

    r = await cli(['config', 'view', '--show-sources'], {
      PREFECT_HOME: home,
      PREFECT_API_DATABASE_CONNECTION_URL: 'postgresql+asyncpg://u@db/p?prepared_statement_cache_size=0',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "ORION_DATABASE_PREPARED_STATEMENTS='false' (from the URL option prepared_statement_cache_size=0 (URL from env PREFECT_API_DATABASE_CONNECTION_URL))",
    );
  });

  it('config set in our own home warns when an environment variable overrides what it wrote', async () => {
    const orionHome = join(root, 'orion');
    let r = await cli(['config', 'set', 'ORION_DATABASE_POOL_SIZE=3'], {
      ...prefect(),
      ORION_HOME: orionHome,
      PREFECT_SQLALCHEMY_POOL_SIZE: '9',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(orionHome, 'profiles.toml'), 'utf8')).toContain(
      'ORION_DATABASE_POOL_SIZE = "3"',
    );
    expect(r.stderr).toMatch(
      /^orion-db: warning: PREFECT_SQLALCHEMY_POOL_SIZE is set in the environment and overrides ORION_DATABASE_POOL_SIZE/,
    );
    r = await cli(['config', 'set', 'ORION_DATABASE_POOL_SIZE=4'], { ORION_HOME: orionHome });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe.skipIf(!serverAvailable)('orion-db with asyncpg URL options on the real PostgreSQL', () => {
  let blank: BlankDatabase;
  beforeAll(async () => {
    blank = await blankDatabase('postgresql');
  });
  afterAll(() => blank?.dispose());

  it('connects, prints a note for each dropped option and never sends them to the server', async () => {
    const url = blank.url!.replace(/^postgres(ql)?:/, 'postgresql+asyncpg:');
    const options = 'prepared_statement_cache_size=0&command_timeout=30&ssl=disable&async_fallback=true';
    const r = await cli(['--url', `${url}?${options}`, 'upgrade', '-y', '-r', '+1'], { ORION_HOME: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^orion-db: note: ORION_DATABASE_URL \(from option\): dropped the URL options command_timeout, async_fallback/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
