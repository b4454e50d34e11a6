/**
 * Properties of the Prefect settings (semantics.md §4): whichever of our and Prefect's names are set,
 * in the environment or a Prefect profile, the value comes from the first in precedence order; and
 * whatever options a PostgreSQL URL carries, no client-only one reaches postgres.js, every dropped one
 * is in a note, and the rest keep their values; whatever TOML type a Prefect key we do not read has,
 * it is ignored, and a table or an array under a key we read is a ConfigurationError naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'smol-toml';
import { ConfigurationError, loadSettings } from '../src/index.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'prefect-property-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Every place the pool size can come from, highest precedence first. */
const PLACES = [
  ['env', 'ORION_DATABASE_POOL_SIZE'],
  ['env', 'PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE'],
  ['env', 'PREFECT_SQLALCHEMY_POOL_SIZE'],
  ['profile', 'PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE'],
  ['profile', 'PREFECT_SQLALCHEMY_POOL_SIZE'],
] as const;

describe('Prefect settings, as properties', () => {
  it('the first place set in precedence order gives the value, whatever else is set', () => {
    fc.assert(
      fc.property(fc.subarray([0, 1, 2, 3, 4]), fc.constantFrom('', 'local', 'other'), (set, extra) => {
        const env: Record<string, string> = { PREFECT_HOME: home };
        const profile: string[] = ['PREFECT_API_URL = "http://x"', 'SOMETHING_ELSE = 1'];
        // Place i holds the pool size i + 2, so the value says which place won.
        for (const i of set) {
          const [where, name] = PLACES[i]!;
          if (where === 'env') env[name] = String(i + 2);
          else profile.push(`${name} = ${i + 2}`);
        }
        if (extra !== '') env.PREFECT_PROFILE = extra;
        const picked = extra === '' ? 'local' : extra;
        writeFileSync(
          join(home, 'profiles.toml'),
          `active = "local"\n[profiles.${picked}]\n${profile.join('\n')}\n`,
        );
        const s = loadSettings({ env });
        const winner = set.length === 0 ? undefined : Math.min(...set);
        expect(s.poolSize).toBe(winner === undefined ? 5 : winner + 2);
        expect(s.origins.ORION_DATABASE_POOL_SIZE.name).toBe(
          winner === undefined ? null : PLACES[winner]![1],
        );
        expect(s.sources.ORION_DATABASE_POOL_SIZE).toBe(
          winner === undefined ? 'default' : PLACES[winner]![0],
        );
      }),
      { numRuns: 150 },
    );
  });

  it('no client-only option reaches postgres.js; each dropped one is noted; the others keep their values', () => {
    const clientOnly = [
      'command_timeout',
      'async_fallback',
      'timeout',
      'sslcert',
      'server_settings',
      'connect_timeout',
    ];
    const kept = ['application_name', 'search_path', 'options', 'target_session_attrs'];
    const understood = ['prepared_statement_cache_size', 'statement_cache_size', 'ssl', 'sslmode'];
    const option = fc.tuple(
      fc.constantFrom(...clientOnly, ...kept, ...understood),
      fc.stringMatching(/^[a-z0-9_-]{1,8}$/),
    );
    fc.assert(
      fc.property(fc.array(option, { maxLength: 8 }), (pairs) => {
        // Values the understood options accept, so that the property is about where options go.
        const query = pairs.map(([name, value]): [string, string] => {
          if (name.endsWith('cache_size')) return [name, value.length % 2 ? '0' : '10'];
          if (name === 'ssl' || name === 'sslmode') return [name, 'require'];
          return [name, value];
        });
        const url = `postgresql+asyncpg://u@db/p?${new URLSearchParams(query).toString()}`;
        const s = loadSettings({ env: {}, url });
        const target = s.target as { kind: 'postgres'; url: string };
        const sent = [...new URL(target.url).searchParams];
        for (const [name] of sent) expect([...kept, 'sslmode']).toContain(name);
        expect(sent.filter(([name]) => name !== 'sslmode')).toEqual(
          query.filter(([name]) => kept.includes(name)),
        );
        const dropped = query.map(([name]) => name).filter((name) => clientOnly.includes(name));
        if (dropped.length === 0) expect(s.notes).toEqual([]);
        else for (const name of dropped) expect(s.notes.join(' ')).toContain(name);
        const off = query.some(([name, value]) => name.endsWith('cache_size') && value === '0');
        expect(s.preparedStatements).toBe(!off);
      }),
      { numRuns: 200 },
    );
  });

  it('a Prefect key not read is ignored whatever its TOML type; a table or array under one read is refused', () => {
    const leaf = fc.oneof(
      fc.string({ maxLength: 5 }),
      fc.integer(),
      fc.boolean(),
      fc.double({ noNaN: true }),
    );
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('table')),
      array: fc.array(tie('any'), { maxLength: 3 }),
      table: fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), tie('any'), { maxKeys: 3 }),
    })).any;
    const read = 'PREFECT_SERVER_DATABASE_TIMEOUT';
    fc.assert(
      fc.property(value, fc.boolean(), fc.boolean(), (v, underRead, active) => {
        const other = { PREFECT_API_DATABASE_TIMEOUT: 4 };
        const key = underRead ? read : 'PREFECT_CLIENT_CUSTOM_HEADERS';
        const doc = { active: 'local', profiles: { local: { ...other }, other: { ...other } } };
        (doc.profiles[active ? 'local' : 'other'] as Record<string, unknown>)[key] = v;
        writeFileSync(join(home, 'profiles.toml'), stringify(doc));
        const load = () => loadSettings({ env: { PREFECT_HOME: home } });
        const nested = typeof v === 'object';
        if (underRead && active && nested) {
          expect(load).toThrow(ConfigurationError);
          expect(load).toThrow(new RegExp(`^${read} in profile "local" in .* must be a single value`));
        } else if (underRead && active) {
          // A scalar is read: a good one is the timeout, a bad one a ConfigurationError naming the key.
          // An empty value counts as unset, as in the environment: the legacy name then gives the value.
          try {
            expect(load().origins.ORION_DATABASE_TIMEOUT.name).toBe(
              v === '' ? 'PREFECT_API_DATABASE_TIMEOUT' : read,
            );
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigurationError);
            expect((error as Error).message).toContain(read);
          }
        } else {
          expect(load().timeoutSeconds).toBe(4);
        }
      }),
      { numRuns: 150 },
    );
  });
});
