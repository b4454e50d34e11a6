/**
 * Properties of secret masking (api.md "Blocks"), on both dialects: over random nested documents
 * and random `secret_fields` paths (with `*`), a masked read never contains a value a secret path
 * reaches, shows every other value as stored, and sending the masked read back as the update keeps
 * every secret. The model below decides what is secret independently of the library's walk: a
 * location is secret when a path is a prefix of it, segment by segment (`*` matching anything).
 * Also: an update with the mask at one random place is accepted exactly where a path reaches that
 * place and a non-null value is stored there (and keeps it); elsewhere it is a ValidationError and
 * nothing is written (docs/blocks.md "Secrets").
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, SECRET_MASK, ValidationError } from '../../../src/index.js';
import { createTestDatabase } from '../../../src/testing/index.js';
import { DIALECTS } from '../../support/dialects.js';

const RUNS = Number(process.env.ORION_BLOCK_RUNS ?? 150);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Loc = (string | number)[];

/** Few keys, so that generated paths hit often; digits also name list elements. */
const key = fc.constantFrom('a', 'b', 'c', '0', '1');
const shape = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('leaf', 'leaf', null, 7, true),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(key, tie('v'), { maxKeys: 4 }),
  ),
})).v;

/** Replaces every 'leaf' with a unique token, so "never contains" is a substring test. */
function tokenise(value: unknown, counter: { n: number }): Json {
  if (value === 'leaf') return `tok${++counter.n}x${Math.random().toString(36).slice(2, 8)}`;
  if (Array.isArray(value)) return value.map((v) => tokenise(v, counter));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tokenise(v, counter)]));
  return value as Json;
}

const doc = fc
  .dictionary(key, shape, { minKeys: 1, maxKeys: 4 })
  .map((d) => tokenise(d, { n: 0 }) as Record<string, Json>);
const path = fc.array(fc.oneof(key, fc.constant('*')), { minLength: 1, maxLength: 4 });

/** Every location of `value` with its value (the root excluded). */
function locations(value: Json, at: Loc = []): [Loc, Json][] {
  const out: [Loc, Json][] = [];
  const children: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : value !== null && typeof value === 'object'
      ? Object.entries(value)
      : [];
  for (const [k, v] of children) {
    out.push([[...at, k], v]);
    out.push(...locations(v, [...at, k]));
  }
  return out;
}

const reaches = (p: string[], loc: Loc) =>
  p.length <= loc.length && p.every((seg, i) => seg === '*' || seg === String(loc[i]));
/** The location whose value the model masks: the shortest prefix some path reaches with a non-null value. */
function maskedAt(loc: Loc, paths: string[][], original: Record<string, Json>): Loc | undefined {
  for (let n = 1; n <= loc.length; n++) {
    const prefix = loc.slice(0, n);
    if (paths.some((p) => p.length === n && reaches(p, prefix)) && valueAt(original, prefix) !== null)
      return prefix;
  }
  return undefined;
}
/** A copy of `data` with the mask at `loc` (its parent exists in `data`). */
function withMask(data: Record<string, Json>, loc: Loc): Record<string, Json> {
  const out = JSON.parse(JSON.stringify(data)) as Record<string, Json>;
  (valueAt(out, loc.slice(0, -1)) as Record<string, Json>)[loc.at(-1) as string] = SECRET_MASK;
  return out;
}
function valueAt(root: Json, loc: Loc): Json | undefined {
  let v: Json | undefined = root;
  for (const k of loc)
    v = v !== null && typeof v === 'object' ? (v as Record<string, Json>)[k as string] : undefined;
  return v;
}

describe.each(DIALECTS)('secret masking properties (%s)', (dialect) => {
  let db: Database;
  let typeId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ dialect });
    typeId = (await db.blockTypes.upsert({ slug: 'prop', name: 'Prop' })).id;
  });
  afterAll(async () => {
    await db.close();
  });

  it('a masked read never contains a secret; every other value reads as stored; the mask sent back keeps them', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(doc, fc.array(path, { minLength: 1, maxLength: 3 }), async (data, paths) => {
        n += 1;
        const schema = await db.blockSchemas.create({
          blockTypeId: typeId,
          fields: { secret_fields: paths.map((p) => p.join('.')) },
          version: `v${n}`,
        });
        const created = await db.blockDocuments.create({
          name: `d${n}`,
          blockTypeId: typeId,
          blockSchemaId: schema.id,
          data,
        });
        const masked = (await db.blockDocuments.get(created.id))!.data as Record<string, Json>;
        expect(created.data).toEqual(masked);
        const text = JSON.stringify(masked);
        for (const [loc, value] of locations(data)) {
          const at = maskedAt(loc, paths, data);
          if (at) {
            if (typeof value === 'string') expect(text, `secret at ${loc.join('.')}`).not.toContain(value);
            if (at.length === loc.length) expect(valueAt(masked, loc)).toBe(SECRET_MASK);
          } else {
            if (typeof value !== 'object' || value === null) expect(valueAt(masked, loc)).toEqual(value);
          }
        }
        // Sending the masked read back, whole, keeps every secret.
        await db.blockDocuments.update(created.id, { data: masked, mergeExistingData: false });
        const full = (await db.blockDocuments.get(created.id, { includeSecrets: true }))!.data;
        expect(JSON.stringify(full)).toBe(JSON.stringify(data));
      }),
      { numRuns: RUNS },
    );
  });

  it('the mask is taken for the stored value exactly where a non-null secret is stored, refused elsewhere', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        doc,
        fc.array(path, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        key,
        async (data, paths, pick, fresh) => {
          n += 1;
          const schema = await db.blockSchemas.create({
            blockTypeId: typeId,
            fields: { secret_fields: paths.map((p) => p.join('.')) },
            version: `m${n}`,
          });
          const created = await db.blockDocuments.create({
            name: `m${n}`,
            blockTypeId: typeId,
            blockSchemaId: schema.id,
            data,
          });
          // A stored place, or a top-level key that may hold nothing at all.
          const places = [...locations(data).map(([loc]) => loc), [fresh]];
          const loc = places[pick % places.length]!;
          const stored = valueAt(data, loc);
          const secret = paths.some((p) => p.length === loc.length && reaches(p, loc));
          const outcome = await db.blockDocuments
            .update(created.id, { data: withMask(data, loc), mergeExistingData: false })
            .then(
              () => 'kept',
              (e: unknown) => e,
            );
          if (secret && stored !== null && stored !== undefined) expect(outcome).toBe('kept');
          else {
            expect(outcome).toBeInstanceOf(ValidationError);
            expect((outcome as Error).message).toMatch(/is the mask of a secret/);
          }
          const full = (await db.blockDocuments.get(created.id, { includeSecrets: true }))!.data;
          expect(JSON.stringify(full)).toBe(JSON.stringify(data));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
