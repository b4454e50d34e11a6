/**
 * A client the caller hands in keeps behaving as it did (semantics.md §1 "The caller's client"), and
 * the library's own reads and writes on it do not depend on its parsers or its session time zone
 * (§2 "Parsing once", "Times").
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, type Database, createDatabase } from '../src/index.js';
import { postgresServerUrl } from './support/dialects.js';
import { openPgliteInstance } from './support/user-documents.js';

/** Times whose text in a local zone trips naive parsers: LMT offsets with seconds, a DST gap, the range ends. */
const TIMES = [
  '0100-01-01T00:00:00.000Z',
  '1800-01-01T00:00:00.000Z',
  '1883-11-18T16:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '2024-03-10T07:30:00.123Z',
  '2024-11-03T06:30:00.456Z',
  '9999-12-31T23:59:59.999Z',
].map((iso) => new Date(iso));

const DOCUMENT = { b: 1, a: '10.5', '10': 'true', c: { z: '{"a":1}', y: [2, '[1]'] } };

/** Our repositories on the client: documents and times come back exactly. */
async function roundTrips(db: Database): Promise<void> {
  const flow = await db.flows.create({ name: `caller-${randomBytes(4).toString('hex')}` });
  for (const time of TIMES) {
    const run = await db.flowRuns.create({
      flowId: flow.id,
      parameters: DOCUMENT,
      state: { type: 'PENDING', timestamp: time, data: '10.5' },
    });
    const read = (await db.flowRuns.get(run.id))!;
    expect(JSON.stringify(read.parameters)).toBe(JSON.stringify(DOCUMENT));
    expect(read.stateTimestamp?.toISOString()).toBe(time.toISOString());
    const [state] = await db.flowRuns.states(run.id);
    expect(state!.timestamp.toISOString()).toBe(time.toISOString());
    expect(state!.data).toBe('10.5');
    const found = await db.flowRuns.list({ where: { id: { any: [run.id] } } });
    expect(found.map((r) => r.stateTimestamp?.toISOString())).toEqual([time.toISOString()]);
  }
}

/** A value with its type, so that a string where a Date was, or an object where a string was, shows. */
const typed = (value: unknown) => ({
  type: value instanceof Date ? 'Date' : Array.isArray(value) ? 'array' : typeof value,
  value: value instanceof Date ? value.toISOString() : value,
});

const serverUrl = await postgresServerUrl();

describe.runIf(serverUrl)('a caller’s postgres.js client', () => {
  let admin: postgres.Sql;
  let name: string;
  let url: string;
  beforeAll(async () => {
    admin = postgres(serverUrl!, { onnotice: () => {}, max: 1 });
    name = `orion_caller_${randomBytes(6).toString('hex')}`;
    await admin.unsafe(`create database ${name}`);
    const u = new URL(serverUrl!);
    u.pathname = `/${name}`;
    url = u.toString();
  });
  afterAll(async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  /** The caller's own queries: timestamptz, json and jsonb, out and in. */
  const callerQueries = async (sql: postgres.Sql) => {
    const [row] = await sql`
      select timestamptz '2024-01-02 03:04:05.678+00' as t, '{"b":1,"a":"10.5"}'::json as j,
             '{"b":1,"a":2}'::jsonb as jb, '"10.5"'::json as s,
             ${sql.json({ b: 1, a: '10.5' })}::json as param, ${new Date(Date.UTC(2024, 0, 2))}::timestamptz as tp`;
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, typed(v)]));
  };

  it('answers the caller’s own queries the same before and after createDatabase, and ours exactly', async () => {
    const sql = postgres(url, { onnotice: () => {}, max: 3 });
    try {
      const before = await callerQueries(sql);
      expect(before.t).toEqual({ type: 'Date', value: '2024-01-02T03:04:05.678Z' });
      expect(before.s).toEqual({ type: 'string', value: '10.5' });
      const parsers = { ...sql.options.parsers };
      const serializers = { ...sql.options.serializers };

      const db = await createDatabase({ client: sql, migrateOnOpen: true });
      await roundTrips(db);
      expect(await callerQueries(sql)).toEqual(before);
      // Not one entry of the client's tables replaced (Drizzle's adapter would replace eighteen).
      expect(sql.options.parsers).toEqual(parsers);
      expect(sql.options.serializers).toEqual(serializers);
      for (const key of Object.keys(parsers).map(Number)) expect(sql.options.parsers[key]).toBe(parsers[key]);
      await db.close();
      // The client stays open and unchanged after close, too.
      expect(await callerQueries(sql)).toEqual(before);
    } finally {
      await sql.end();
    }
  });

  it('stores and reads exactly through a client with its own parsers, transforms and time zone', async () => {
    const sql = postgres(url, {
      onnotice: () => {},
      max: 2,
      // A caller whose parsers and serializers for times and JSON would garble ours if they ran,
      // who reads int8 as BigInt and maps every value it reads.
      types: {
        bigint: postgres.BigInt,
        time: {
          to: 1184,
          from: [1184],
          parse: (x: string) => `ts:${x}`,
          serialize: () => '1999-01-01T00:00:00Z',
        },
        json: {
          to: 114,
          from: [114, 3802],
          parse: (x: string) => `json:${x}`,
          serialize: (x: unknown) => JSON.stringify({ wrapped: x }),
        },
      },
      transform: { value: { from: (v: unknown) => (typeof v === 'string' ? `~${v}` : v) } },
      connection: { TimeZone: 'America/New_York' },
    });
    try {
      const [zone] = await sql`show timezone`;
      expect(zone!.TimeZone).toBe('~America/New_York');
      const db = await createDatabase({ client: sql, migrateOnOpen: true });
      await roundTrips(db);
      // The caller's session keeps its zone: the library never sets it on their connections.
      const [after] = await sql`show timezone`;
      expect(after!.TimeZone).toBe('~America/New_York');
      await db.close();
    } finally {
      await sql.end();
    }
  });

  it('opening through it a second time prints no notice of the migrator (IF NOT EXISTS)', async () => {
    const notices: unknown[] = [];
    const sql = postgres(url, { max: 1, onnotice: (notice) => notices.push(notice) });
    try {
      await (await createDatabase({ client: sql })).close();
      await (await createDatabase({ client: sql })).close();
      expect(notices).toEqual([]);
    } finally {
      await sql.end();
    }
  });

  it('inside a transaction, each call goes after its SAVEPOINT, so a caught failure is undone alone', async () => {
    // A log read was once sent before its SAVEPOINT (a savepoint is sent without waiting, and the
    // read started a microtask sooner): its failure then aborted the caller's whole transaction.
    const sent: string[] = [];
    const sql = postgres(url, { onnotice: () => {}, max: 2, debug: (_c, query) => sent.push(query.trim()) });
    const db = await createDatabase({ client: sql, isolated: true });
    try {
      await db.transaction(async (tx) => {
        await tx.logs.count();
        await tx.logs.list({ limit: 1 });
        await tx.flows.list({ limit: 1 });
        await tx.execute('select 1 as orion_probe');
        const failed = await tx.execute('select 1/0').catch((e: unknown) => e);
        expect(failed).toBeInstanceOf(Error);
        await tx.logs.count({ where: { level: { ge: 10 } } });
      });
      const calls = sent.filter((q) => /^select (count|"id"|.*orion_probe|1\/0)|from "flow"/.test(q));
      expect(calls.length).toBeGreaterThanOrEqual(6);
      for (const call of calls) {
        const before = sent[sent.indexOf(call) - 1]!;
        expect(before, `the statement before ${call.slice(0, 40)}`).toMatch(/^SAVEPOINT orion_sp_\d+$/);
      }
    } finally {
      await db.close();
      await sql.end();
    }
  });

  it('refuses a client whose transforms rename columns or rewrite rows, leaving it as it was', async () => {
    for (const transform of [postgres.camel, { row: (row: postgres.Row) => ({ ...row, extra: 1 }) }]) {
      const sql = postgres(url, { onnotice: () => {}, max: 1, transform });
      try {
        const parsers = { ...sql.options.parsers };
        const opening = createDatabase({ client: sql });
        await expect(opening).rejects.toBeInstanceOf(ConfigurationError);
        await expect(opening).rejects.toThrow(/without transform\.(column|row)/);
        expect(sql.options.parsers).toEqual(parsers);
      } finally {
        await sql.end();
      }
    }
  });

  it('sessions of its own pool run in UTC, floats unrounded, on a database whose defaults differ', async () => {
    await admin.unsafe(`alter database ${name} set timezone to 'America/New_York'`);
    await admin.unsafe(`alter database ${name} set extra_float_digits = 0`);
    const check = postgres(url, { onnotice: () => {}, max: 1 });
    const [zone] = await check`show timezone`;
    await check.end();
    expect(zone!.TimeZone).toBe('America/New_York');

    const db = await createDatabase({ url, migrateOnOpen: true });
    try {
      expect(await db.execute('show timezone')).toEqual([{ TimeZone: 'UTC' }]);
      await roundTrips(db);
      // Rounded to 15 digits this would read back as 0.3 (a user's report: totalRunTime lost digits).
      expect(await db.execute('select 0.1::float8 + 0.2::float8 as x')).toEqual([{ x: 0.30000000000000004 }]);
    } finally {
      await db.close();
    }
  });
});

describe('a caller’s PGlite instance', () => {
  const callerQueries = async (instance: Awaited<ReturnType<typeof openPgliteInstance>>) => {
    const { rows } = await instance.query<Record<string, unknown>>(
      `select timestamptz '2024-01-02 03:04:05.678+00' as t, '{"b":1,"a":"10.5"}'::json as j,
              '{"b":1,"a":2}'::jsonb as jb, '"10.5"'::json as s, $1::json as param, $2::timestamptz as tp`,
      [{ b: 1, a: '10.5' }, new Date(Date.UTC(2024, 0, 2))],
    );
    return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, typed(v)]));
  };

  it('answers the caller’s own queries the same before and after createDatabase, and ours exactly', async () => {
    const instance = await openPgliteInstance();
    try {
      const before = await callerQueries(instance);
      expect(before.t).toEqual({ type: 'Date', value: '2024-01-02T03:04:05.678Z' });
      expect(before.s).toEqual({ type: 'string', value: '10.5' });
      const db = await createDatabase({ client: instance, migrateOnOpen: true });
      await roundTrips(db);
      expect(await callerQueries(instance)).toEqual(before);
      await db.close();
      expect(await callerQueries(instance)).toEqual(before);
    } finally {
      await instance.close();
    }
  });

  it('reads times exactly in a session whose time zone is not UTC', async () => {
    const instance = await openPgliteInstance();
    try {
      await instance.exec(`set timezone to 'America/New_York'`);
      const db = await createDatabase({ client: instance, migrateOnOpen: true });
      await roundTrips(db);
      // The caller's session keeps its zone.
      expect((await instance.query('show timezone')).rows).toEqual([{ TimeZone: 'America/New_York' }]);
      await db.close();
    } finally {
      await instance.close();
    }
  });
});
