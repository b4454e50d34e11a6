/**
 * Races on the block key (PostgreSQL, several pools on one database): two processes generating the
 * key on first use end with one key; a rotation racing writers leaves every document readable with
 * the new key (writers read the key row FOR SHARE, the rotation locks it FOR UPDATE). SQLite's
 * writers are serialised by BEGIN IMMEDIATE, so the same race cannot happen there. Two writers
 * closing a reference cycle from both ends: one is refused.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/index.js';
import { generateEncryptionKey } from '../../../src/index.js';
import { blockFixture, sharedHandles } from './support.js';

describe('block key races (postgresql)', () => {
  const { handle } = sharedHandles('postgresql');

  it('first use from two processes at once generates one key', async () => {
    const setup = await handle();
    const f = await blockFixture(setup);
    const [a, b] = [await handle(), await handle()];
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).blockDocuments
          .create({
            name: `d${i}`,
            blockTypeId: f.typeId,
            blockSchemaId: f.schemaId,
            data: { password: `p${i}` },
          })
          .then((d) => d.id),
      ),
    );
    const reader = await handle();
    for (const [i, id] of ids.entries())
      expect((await reader.blockDocuments.get(id, { includeSecrets: true }))!.data.password).toBe(`p${i}`);
    expect(
      await reader.execute("select key from configuration where key = 'block_encryption_key'"),
    ).toHaveLength(1);
  });

  it('a rotation racing creates and updates leaves every document under the new key', async () => {
    const setup = await handle();
    const f = await blockFixture(setup);
    const seed = await setup.blockDocuments.create({
      name: 'seed',
      blockTypeId: f.typeId,
      blockSchemaId: f.schemaId,
      data: { password: 'seed' },
    });
    const [writer, rotator] = [await handle(), await handle()];
    const next = generateEncryptionKey();
    const writes = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? writer.blockDocuments.update(seed.id, { data: { n: i } })
        : writer.blockDocuments.create({
            name: `w${i}`,
            blockTypeId: f.typeId,
            blockSchemaId: f.schemaId,
            data: { password: `p${i}` },
          }),
    );
    const rotation = rotator.blockDocuments.rotateEncryptionKey(next);
    await Promise.all([...writes, rotation]);
    const reader = await handle(next);
    const all = await reader.blockDocuments.list({ includeSecrets: true });
    expect(all).toHaveLength(21);
    for (const doc of all) expect(doc.data.password).toMatch(/^(p\d+|seed)$/);
  });

  it('two writers closing a cycle from both ends: exactly one is refused', async () => {
    const setup = await handle();
    const f = await blockFixture(setup);
    const [one, two] = [await handle(), await handle()];
    for (let round = 0; round < 10; round++) {
      const make = (name: string, data: Record<string, unknown> = {}) =>
        setup.blockDocuments.create({ name, blockTypeId: f.typeId, blockSchemaId: f.schemaId, data });
      const a = await make(`a${round}`);
      const mid = await make(`m${round}`);
      const b = await make(`b${round}`, { next: { $ref: { block_document_id: mid.id } } });
      // b → mid exists. a → b alone is fine and so is mid → a alone; together: a → b → mid → a.
      const outcomes = await Promise.allSettled([
        one.blockDocuments.update(a.id, { data: { next: { $ref: { block_document_id: b.id } } } }),
        two.blockDocuments.update(mid.id, { data: { back: { $ref: { block_document_id: a.id } } } }),
      ]);
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(refused.length, `round ${round}`).toBe(1);
      for (const o of refused) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
      // Whatever landed, every document still reads (no cycle was stored).
      for (const id of [a.id, mid.id, b.id]) expect(await setup.blockDocuments.get(id)).not.toBeNull();
    }
  });
});
