/**
 * The log text query folds ASCII letters only, whatever the database's locale (docs/logs.md): a
 * PostgreSQL database with a Turkish ICU locale lower-cases `I` to `ı`, so ILIKE 'info' misses
 * 'INFO' there. PostgreSQL only (SQLite has no locale). Found by a user's trial.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, createDatabase } from '../../src/index.js';
import { postgresServerUrl } from '../support/dialects.js';

const serverUrl = await postgresServerUrl();

describe.runIf(serverUrl)('log text query under a Turkish ICU locale (PostgreSQL)', () => {
  let admin: postgres.Sql;
  let db: Database;
  const name = `orion_tr_${randomBytes(6).toString('hex')}`;
  beforeAll(async () => {
    admin = postgres(serverUrl!, { onnotice: () => {}, max: 1 });
    await admin.unsafe(
      `create database ${name} template template0 locale_provider icu icu_locale 'tr-TR' locale 'C.UTF-8'`,
    );
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    db = await createDatabase({ url: url.toString(), isolated: true });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('finds INFO, FILE and TIMEOUT by their lower-case terms, and excludes them the same way', async () => {
    const messages = ['INFO started', 'FILE not found', 'TIMEOUT after 5s', 'info lower', 'ıçin', 'İstanbul'];
    await db.logs.createMany(messages.map((message) => ({ name: 'p', level: 20, message })));
    const found = async (query: string) =>
      (await db.logs.list({ where: { text: { query } } })).map((l) => l.message).sort();
    expect(await found('info')).toEqual(['INFO started', 'info lower']);
    expect(await found('file timeout')).toEqual(['FILE not found', 'TIMEOUT after 5s']);
    expect(await found('-info -file -timeout')).toEqual(['İstanbul', 'ıçin']);
    // Only ASCII folds: the dotted and dotless i stay themselves.
    expect(await found('istanbul')).toEqual([]);
    expect(await found('İstanbul')).toEqual(['İstanbul']);
  });
});
