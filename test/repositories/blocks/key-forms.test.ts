/**
 * The forms of the block encryption key (docs/blocks.md "The key"), on both dialects: a value of a
 * key's length and alphabet that is not a valid key (a hex key with a typo, URL-safe or unpadded
 * base64) fails when the database opens, with a ConfigurationError that does not show the value,
 * and is a ValidationError for rotateEncryptionKey; valid keys and passphrases of other lengths
 * open and write.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, ValidationError } from '../../../src/index.js';
import { DIALECTS } from '../../support/dialects.js';
import { type SharedDatabase, blockFixture, sharedDatabase } from './support.js';

const keyBytes = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));

/** A hex key with one character replaced by a letter past `f`. */
const hexWithTypo = fc
  .tuple(keyBytes, fc.nat(63), fc.constantFrom(...'ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ'))
  .map(([bytes, at, letter]) => {
    const hex = bytes.toString('hex');
    return `${hex.slice(0, at)}${letter}${hex.slice(at + 1)}`;
  });

/** A base64 key in a form that is not read: URL-safe alphabet (Prefect's Fernet keys), or no `=`. */
const base64Misformed = fc.oneof(
  keyBytes
    .map((bytes) => bytes.toString('base64url'))
    .filter((text) => /[-_]/.test(text))
    .map((text) => `${text}=`),
  keyBytes.map((bytes) => bytes.toString('base64').slice(0, 43)),
);

describe.each(DIALECTS)('encryption key forms (%s)', (dialect) => {
  let shared: SharedDatabase;
  beforeAll(async () => {
    shared = await sharedDatabase(dialect);
  });
  afterAll(async () => {
    await shared.dispose();
  });

  it('a key-shaped value that is not a key fails at open, naming the setting, not showing the value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hexWithTypo, base64Misformed),
        fc.constantFrom('', '\n', '  '),
        async (bad, pad) => {
          const error = await shared.open(bad + pad).then(
            async (db) => {
              await db.close();
              return undefined;
            },
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(ConfigurationError);
          const message = (error as Error).message;
          expect(message).toContain('ORION_DATABASE_ENCRYPTION_KEY');
          expect(message).toMatch(/not hex|not 32 bytes in standard base64/);
          expect(message).not.toContain(bad.slice(0, 12));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('valid keys and passphrases of other lengths open and write; key-shaped rotations are refused', async () => {
    const raw = randomBytes(32);
    const accepted = [
      raw.toString('hex'),
      raw.toString('hex').toUpperCase(),
      `${raw.toString('base64')}\n`,
      'correct horse battery staple',
      'g'.repeat(63),
      'g'.repeat(65),
    ];
    for (const key of accepted) {
      const db = await shared.open(key);
      try {
        const f = await blockFixture(db, `t${accepted.indexOf(key)}`);
        const doc = await db.blockDocuments.create({
          name: 'd',
          blockTypeId: f.typeId,
          blockSchemaId: f.schemaId,
          data: { password: 'p' },
        });
        expect((await db.blockDocuments.get(doc.id, { includeSecrets: true }))?.data).toEqual({
          password: 'p',
        });
        await db.blockDocuments.delete(doc.id);
      } finally {
        await db.close();
      }
    }
    await expect(shared.open(' \n ')).rejects.toBeInstanceOf(ConfigurationError);
    const db = await shared.open(raw.toString('hex'));
    try {
      for (const bad of ['g'.repeat(64), raw.toString('base64url'), '   '])
        await expect(db.blockDocuments.rotateEncryptionKey(bad)).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await db.close();
    }
  });
});
