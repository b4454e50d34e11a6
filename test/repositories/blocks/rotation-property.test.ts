/**
 * Property of key rotation (data-model.md "Blocks"), on both dialects: after any sequence of
 * rotations (keys in every accepted form; the key kept in configuration or given as the setting),
 * every document reads back exactly with the last key alone, and with none of the earlier keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, type Database } from '../../../src/index.js';
import { DIALECTS } from '../../support/dialects.js';
import { blockFixture, sharedDatabase } from './support.js';

const RUNS = Number(process.env.ORION_ROTATION_RUNS ?? 12);

const bytes = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));
const newKey = fc.oneof(
  bytes.map((b) => b.toString('hex')),
  bytes.map((b) => b.toString('base64')),
  // A passphrase has a non-space character: a blank key is refused (docs/blocks.md).
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
    .filter((s) => !s.includes('\0') && s.trim() !== ''),
);
const data = fc.dictionary(
  fc.string({ unit: 'grapheme', maxLength: 6 }).filter((k) => k !== '$ref' && !k.includes('\0')),
  fc.jsonValue({ maxDepth: 2 }).filter((v) => !JSON.stringify(v).includes('\\u0000')),
  { maxKeys: 4 },
);

describe.each(DIALECTS)('key rotation property (%s)', (dialect) => {
  it('every document opens with the last key alone and with no earlier one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(newKey, { nil: undefined }),
        fc.array(newKey, { minLength: 1, maxLength: 3 }),
        fc.array(data, { minLength: 1, maxLength: 4 }),
        async (initial, rotations, docs) => {
          const shared = await sharedDatabase(dialect);
          const handles: Database[] = [];
          const open = async (key?: string) => {
            const db = await shared.open(key);
            handles.push(db);
            return db;
          };
          try {
            let db = await open(initial);
            const f = await blockFixture(db);
            const ids: string[] = [];
            for (const [i, d] of docs.entries())
              ids.push(
                (
                  await db.blockDocuments.create({
                    name: `d${i}`,
                    blockTypeId: f.typeId,
                    blockSchemaId: f.schemaId,
                    data: d,
                  })
                ).id,
              );
            const earlier: string[] = [];
            if (initial !== undefined) earlier.push(initial);
            else {
              const [row] = await db.execute<{ value: unknown }>(
                "select value from configuration where key = 'block_encryption_key'",
              );
              earlier.push((typeof row!.value === 'string' ? JSON.parse(row!.value) : row!.value).key);
            }
            for (const key of rotations) {
              const result = await db.blockDocuments.rotateEncryptionKey(key);
              expect(result.documents).toBe(docs.length);
              expect(result.keySource).toBe(initial === undefined ? 'configuration' : 'setting');
              // The operator sets the new key where it is a setting.
              if (initial !== undefined) db = await open(key);
              earlier.push(key);
            }
            const last = earlier.pop()!;
            const readers = [await open(last), ...(initial === undefined ? [await open()] : [])];
            for (const reader of readers)
              for (const [i, id] of ids.entries()) {
                const got = (await reader.blockDocuments.get(id, { includeSecrets: true }))!.data;
                expect(JSON.stringify(got)).toBe(JSON.stringify(docs[i]));
              }
            for (const old of earlier) {
              if (old === last) continue;
              const stale = await open(old);
              await expect(stale.blockDocuments.get(ids[0]!)).rejects.toBeInstanceOf(ConfigurationError);
            }
          } finally {
            for (const h of handles) await h.close();
            await shared.dispose();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
