/**
 * Numbers in settings text — the environment, a profile, Prefect's names, a string option — are
 * plain decimal digits (docs/settings.md): `10`, `2.5`, `.5`, `5.`; the pool size and Prefect's
 * statement cache size digits only. Anything else is a ConfigurationError naming the variable and
 * where it was read. Found by a fresh-user trial: `ORION_DATABASE_TIMEOUT=0x10` was read as 16 s,
 * as `Number()` reads hexadecimal, octal and binary, exponents, signs and `Infinity`. A JavaScript
 * number given as an option is a number already (settings-timeout.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, loadSettings } from '../src/index.js';

const home = mkdtempSync(join(tmpdir(), 'orion-numbers-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The oracle, by characters (independent of the library's pattern): decimal digits, one optional point. */
function decimalValue(text: string, whole: boolean): number | undefined {
  const t = text.trim();
  let digits = 0;
  let points = 0;
  for (const c of t) {
    if (c >= '0' && c <= '9') digits += 1;
    else if (c === '.' && !whole) points += 1;
    else return undefined;
  }
  return digits > 0 && points <= 1 ? Number(t) : undefined;
}

/** Text near numbers: the forms `Number()` also reads, and their neighbours. */
const numberish = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789.xXbBoOeE+-_ nfI'), maxLength: 8 }),
  fc.nat({ max: 500 }).map((n) => `0x${n.toString(16)}`),
  fc.nat({ max: 64 }).map((n) => `0b${n.toString(2)}`),
  fc.nat({ max: 64 }).map((n) => `0o${n.toString(8)}`),
  fc.tuple(fc.nat({ max: 99 }), fc.integer({ min: -3, max: 3 })).map(([m, e]) => `${m}e${e}`),
  fc.constantFrom('Infinity', '-5', '+5', '1_000', '١٠', '１０', '\t7\n', ' .5 ', '5.', '.', ''),
  fc.double({ min: 0, max: 3e6, noNaN: true }).map(String),
  fc.string({ maxLength: 6 }),
);

const TIMEOUT = { min: 0.001, max: 2_147_483 };
const POOL = { min: 1, max: 10_000 };

/** What loadSettings makes of `text` under `name` in `env`: the number, or the error's message. */
function read(env: Record<string, string>, pick: (s: ReturnType<typeof loadSettings>) => unknown) {
  try {
    return { value: pick(loadSettings({ home, env })) };
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return { error: (error as Error).message };
  }
}

describe('numbers in settings text are decimal digits or a ConfigurationError naming the variable', () => {
  it.each([
    ['ORION_DATABASE_TIMEOUT', false, TIMEOUT],
    ['PREFECT_SERVER_DATABASE_TIMEOUT', false, TIMEOUT],
    ['ORION_DATABASE_POOL_SIZE', true, POOL],
    ['PREFECT_SQLALCHEMY_POOL_SIZE', true, POOL],
  ] as const)('%s from the environment (generated)', (name, whole, range) => {
    const pick = (s: ReturnType<typeof loadSettings>) => (whole ? s.poolSize : s.timeoutSeconds);
    fc.assert(
      fc.property(numberish, (text) => {
        // An empty (or, here, blank) variable counts as unset only when empty.
        fc.pre(text !== '');
        const outcome = read({ [name]: text }, pick);
        const expected = decimalValue(text, whole);
        if (expected !== undefined && expected >= range.min && expected <= range.max) {
          expect(outcome).toEqual({ value: expected });
        } else {
          expect(outcome.error).toContain(`${name} (from env)`);
        }
      }),
      { numRuns: 300, examples: [['0x10'], ['1e3'], ['10'], ['.5']] },
    );
  });

  it('in a profile, the same (generated)', () => {
    const file = join(home, 'profiles.toml');
    fc.assert(
      fc.property(numberish, (text) => {
        writeFileSync(file, `[profiles.default]\nORION_DATABASE_TIMEOUT = ${JSON.stringify(text)}\n`);
        const outcome = read({}, (s) => s.timeoutSeconds);
        const expected = decimalValue(text, false);
        if (text === '') expect(outcome).toEqual({ value: 10 });
        else if (expected !== undefined && expected >= TIMEOUT.min && expected <= TIMEOUT.max)
          expect(outcome).toEqual({ value: expected });
        else expect(outcome.error).toContain(`ORION_DATABASE_TIMEOUT (from profile "default" in ${file})`);
      }),
      { numRuns: 100, examples: [['0x10']] },
    );
    rmSync(file);
  });

  it("Prefect's statement cache size: digits, 0 turning prepared statements off (generated)", () => {
    const name = 'PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_STATEMENT_CACHE_SIZE';
    fc.assert(
      fc.property(numberish, (text) => {
        fc.pre(text !== '');
        const outcome = read({ [name]: text }, (s) => s.preparedStatements);
        const expected = decimalValue(text, true);
        if (expected !== undefined) expect(outcome).toEqual({ value: expected !== 0 });
        else expect(outcome.error).toContain(`${name} (from env)`);
      }),
      { numRuns: 300, examples: [['0x0'], ['0']] },
    );
  });

  it('a number option out of range is refused as a number, not as text to be written in digits', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ max: 0 }), fc.constantFrom(Number.POSITIVE_INFINITY, Number.NaN)),
        (n) => {
          expect(() => loadSettings({ isolated: true, timeoutSeconds: n })).toThrow(
            `ORION_DATABASE_TIMEOUT (from option) must be a positive number (such as 10 or 2.5), got ${n}`,
          );
        },
      ),
    );
    expect(() => loadSettings({ isolated: true, poolSize: 1.5 })).toThrow(
      'ORION_DATABASE_POOL_SIZE (from option) must be a positive whole number (such as 5), got 1.5',
    );
  });

  it('a number or a switch read from text is kept trimmed in values (generated)', () => {
    const pad = fc.stringMatching(/^[ \t]{0,3}$/);
    fc.assert(
      fc.property(pad, pad, fc.integer({ min: 1, max: 10_000 }), (before, after, n) => {
        const s = loadSettings({
          home,
          env: {
            ORION_DATABASE_TIMEOUT: `${before}${n}${after}`,
            ORION_DATABASE_POOL_SIZE: `${before}${n}${after}`,
            ORION_DATABASE_MIGRATE_ON_START: `${before}false${after}`,
          },
        });
        expect(s.timeoutSeconds).toBe(n);
        expect(s.values.ORION_DATABASE_TIMEOUT).toBe(String(n));
        expect(s.values.ORION_DATABASE_POOL_SIZE).toBe(String(n));
        expect(s.values.ORION_DATABASE_MIGRATE_ON_START).toBe('false');
      }),
    );
  });

  it('a string option is text too: timeoutSeconds "0x10" is refused, naming the option', () => {
    expect(() => loadSettings({ isolated: true, timeoutSeconds: '0x10' as never })).toThrow(
      /^ORION_DATABASE_TIMEOUT \(from option\) must be a positive number, in decimal digits/,
    );
  });
});
