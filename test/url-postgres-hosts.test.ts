/**
 * The PostgreSQL URL forms a server developer writes for where the server is: libpq's and
 * SQLAlchemy's Unix socket (`postgresql://user@/db?host=/run/postgresql`, Google Cloud SQL's
 * `?host=/cloudsql/<instance>`), its percent-encoded spelling (`user@%2Frun%2Fpostgresql/db`), and
 * an IPv6 address (`user@[::1]:5432/db`). Before, the first was "not a valid URL" and postgres.js
 * looked up the other two as host names (`ENOTFOUND [` for IPv6).
 */
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, DatabaseError, createDatabase } from '../src/index.js';
import { serverAddress } from '../src/dialect/postgres/server-address.js';
import { parseDatabaseUrl } from '../src/settings/url.js';
import { type BlankDatabase, blankDatabase } from './support/blank-database.js';
import { postgresIsServer } from './support/dialects.js';

const addressOf = (written: string) => {
  const target = parseDatabaseUrl(written);
  if (target.kind !== 'postgres') throw new Error(`not PostgreSQL: ${written}`);
  return { url: target.url, ...serverAddress(target.url) };
};

/** A socket folder: absolute, segments of printable characters (Cloud SQL's have ':'). */
const folder = fc
  .array(fc.stringMatching(/^[A-Za-z0-9:._ -]{1,12}$/), { minLength: 1, maxLength: 4 })
  .map((parts) => `/${parts.join('/')}`);
const port = fc.integer({ min: 1, max: 65535 });
const database = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);

describe('where a PostgreSQL URL connects', () => {
  it('?host=<socket folder> (and ?port=) is the Unix socket <folder>/.s.PGSQL.<port>, the other options kept', () => {
    fc.assert(
      fc.property(folder, fc.option(port, { nil: undefined }), database, (dir, p, db) => {
        const query = new URLSearchParams({ host: dir, ...(p === undefined ? {} : { port: String(p) }) });
        const written = `postgresql+asyncpg://prefect:s3cret@/${db}?${query}&application_name=etl`;
        const found = addressOf(written);
        const expected = p ?? 5432;
        expect(found.path).toBe(`${dir}/.s.PGSQL.${expected}`);
        expect(found.port).toEqual([expected]);
        const url = new URL(found.url);
        expect(url.pathname).toBe(`/${db}`);
        expect([url.username, url.password]).toEqual(['prefect', 's3cret']);
        expect([...url.searchParams]).toEqual([['application_name', 'etl']]);
        // libpq's percent-encoded spelling of the same socket means the same.
        const encoded = `postgresql://prefect@${encodeURIComponent(dir)}${p === undefined ? '' : `:${p}`}/${db}`;
        expect(addressOf(encoded).path).toBe(found.path);
      }),
    );
  });

  it('an IPv6 address is connected to without its brackets; a host name as written', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.domain(), port, database, (ip, host, p, db) => {
        const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
        expect(addressOf(`postgresql://u@[${ip}]:${p}/${db}`)).toMatchObject({
          host: [canonical],
          port: [p],
        });
        expect(addressOf(`postgresql://u@/${db}?host=${ip}&port=${p}`).host).toEqual([canonical]);
        const named = addressOf(`postgresql://u@${host}:${p}/${db}`);
        expect(named).toMatchObject({ host: [new URL(`http://${host}/`).hostname], port: [p] });
        expect(named.path).toBeUndefined();
      }),
    );
  });

  it("?port= beside a host in the authority is that host's port, not a setting sent to the server (generated)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.domain(),
          fc.ipV6().map((ip) => `[${ip}]`),
        ),
        port,
        database,
        (host, p, db) => {
          const found = addressOf(`postgresql://u@${host}/${db}?port=${p}&application_name=etl`);
          expect(found.port).toEqual([p]);
          expect([...new URL(found.url).searchParams]).toEqual([['application_name', 'etl']]);
        },
      ),
    );
  });

  it('a scheme whose ":" was lost is refused, not opened as a SQLite file of that path (generated)', () => {
    const scheme = fc.constantFrom(
      'postgresql',
      'postgres',
      'postgresql+asyncpg',
      'sqlite',
      'pglite',
      'PostgreSQL',
    );
    fc.assert(
      fc.property(scheme, fc.stringMatching(/^[a-z0-9@._/-]{0,20}$/), (name, rest) => {
        const written = `${name}//${rest}`;
        expect(() => parseDatabaseUrl(written)).toThrow(ConfigurationError);
        expect(() => parseDatabaseUrl(written)).toThrow(`with its ":" missing`);
        // Written as a path, it is one.
        expect(parseDatabaseUrl(`./${written}`)).toMatchObject({ kind: 'sqlite' });
      }),
    );
  });

  it('no host at all, a host written twice, or a port that is not one is a ConfigurationError saying so', () => {
    const refused = (url: string) => {
      try {
        parseDatabaseUrl(url);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return (error as Error).message;
      }
      throw new Error(`accepted: ${url}`);
    };
    expect(refused('postgresql://prefect@/prefect')).toContain('names no host');
    expect(refused('postgresql:///prefect?host=')).toContain('names no host');
    expect(refused('postgresql://prefect@db/prefect?host=/run/postgresql')).toContain('names its host twice');
    expect(refused('postgresql://u@/db?host=/run/postgresql&port=54x')).toContain('is not a port number');
    expect(refused('postgresql://u@db:5433/prefect?port=5432')).toContain('names its port twice');
    expect(refused('postgresql://u@/db?host=/run/postgresql&host=/tmp')).toContain(
      'names ?host= more than once',
    );
    expect(refused('postgresql://u@/db?host=/tmp&port=1&port=2')).toContain('names ?port= more than once');
    expect(refused('postgresql://u@db1,db2:5433/prefect')).toContain('names several hosts (db1,db2)');
  });
});

const SOCKET_FOLDER = '/var/run/postgresql';
const socketThere = existsSync(`${SOCKET_FOLDER}/.s.PGSQL.5432`);

describe.runIf(await postgresIsServer())('connecting through them to the real server', () => {
  let blank: BlankDatabase;
  let name: string;
  beforeAll(async () => {
    blank = await blankDatabase('postgresql');
    name = new URL(blank.url!).pathname.slice(1);
  });
  afterAll(() => blank?.dispose());

  it.runIf(socketThere)('migrates and works over the Unix socket, in both spellings', async () => {
    for (const url of [
      `postgresql+asyncpg://postgres@/${name}?host=${SOCKET_FOLDER}&port=5432`,
      `postgresql://postgres@${encodeURIComponent(SOCKET_FOLDER)}/${name}`,
    ]) {
      const db = await createDatabase({ url, migrateOnOpen: true, isolated: true });
      try {
        const flow = await db.flows.create({ name: `over ${url}` });
        expect((await db.flows.get(flow.id))?.name).toBe(`over ${url}`);
        expect(db.settings.target).toMatchObject({ kind: 'postgres' });
      } finally {
        await db.close();
      }
    }
  });

  it('?port= beside the host connects to that port', async () => {
    const db = await createDatabase({
      url: `postgresql://postgres@127.0.0.1/${name}?port=5432&application_name=etl`,
      migrateOnOpen: true,
      isolated: true,
    });
    try {
      expect(await db.execute("select current_setting('application_name') as name")).toEqual([
        { name: 'etl' },
      ]);
    } finally {
      await db.close();
    }
  });

  it('a socket folder with no server is a retryable DatabaseError naming the socket', async () => {
    const error = await createDatabase({
      url: `postgresql://postgres@/${name}?host=/nonexistent/orion`,
      isolated: true,
      timeoutSeconds: 2,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('/nonexistent/orion/.s.PGSQL.5432');
  });

  it('an IPv6 address is connected to as one, not looked up as a host named "["', async () => {
    const error = await createDatabase({
      url: 'postgresql://postgres@[::1]:5432/orion_no_such_database',
      isolated: true,
      timeoutSeconds: 2,
    }).catch((e) => e);
    // Refused where nothing listens on ::1 (this machine), or the missing database where it does.
    expect(error).toBeInstanceOf(Error);
    expect(error.message).not.toContain('ENOTFOUND');
    expect(error.message).toMatch(/::1|orion_no_such_database/);
  });
});
