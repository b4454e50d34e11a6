/**
 * Encryption of block document data at rest (data-model.md "Blocks", semantics.md §8 "Key"):
 * AES-256-GCM over the whole data object, `{ v, kid, iv, tag, ct }` with a fresh 12-byte nonce per
 * write, node:crypto only. The document's id is the additional authenticated data, so a ciphertext
 * copied onto another document's row does not decrypt there.
 *
 * Keys: 32 random bytes written as 64 hex or 44 base64 characters are used as they are; a value of
 * a key's length and alphabet that is not a valid key is refused (keyTextProblem); any other
 * non-blank string is a passphrase, stretched with scrypt and a random salt kept in `configuration`
 * (a fast KDF would let anyone holding a stolen database guess the passphrase offline).
 * `kid` = the first 8 bytes, in hex, of HMAC-SHA256(key, "orion-db kid").
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt } from 'node:crypto';
import { ConfigurationError, DatabaseError } from '../../errors.js';
import type { EncryptedData } from '../../schema/postgres/blocks.js';

/** The length of an encryption key, in bytes (AES-256). */
export const ENCRYPTION_KEY_BYTES = 32;
/** The version of the encrypted form `{ v, kid, iv, tag, ct }`. */
export const ENCRYPTION_FORMAT_VERSION = 1;
const IV_BYTES = 12;
const SALT_BYTES = 16;

/**
 * scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s here): the parameters OWASP lists for
 * scrypt, so a guess costs an attacker the same.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/**
 * A fresh key in the form `ORION_DATABASE_ENCRYPTION_KEY` uses as is: 32 random bytes, base64
 * (44 characters). What `orion-db config generate-key` prints.
 *
 * ```ts
 * const key = generateEncryptionKey(); // e.g. 'q3X…=' (44 characters)
 * ```
 */
export function generateEncryptionKey(): string {
  return randomBytes(ENCRYPTION_KEY_BYTES).toString('base64');
}

/** The 32 bytes of a key written as 64 hex or 44 base64 characters; null for a passphrase. */
export function rawKeyBytes(raw: string): Buffer | null {
  // Whitespace around a key (a trailing newline from `cat key.txt`) must not turn it into a passphrase.
  const text = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === ENCRYPTION_KEY_BYTES && bytes.toString('base64') === text) return bytes;
  }
  return null;
}

// The alphabets of the key forms: a value made only of these, at a key form's length, was meant as a key.
const LETTERS_AND_DIGITS_64 = /^[0-9A-Za-z]{64}$/;
const BASE64_LIKE_43_OR_44 = /^[A-Za-z0-9+/_-]{43}[A-Za-z0-9+/_=-]?$/;

/**
 * Why `raw` cannot be a key setting, or undefined. A value is a raw key (rawKeyBytes) or a
 * passphrase; a value that has a key's length and alphabet but is not a valid key (a hex key with a
 * typo, a truncated or URL-safe base64 key such as a Prefect Fernet key) is refused rather than
 * stretched as a passphrase, which would give another key and fail only at the first block read.
 * The message never contains the value.
 * @example keyTextProblem('g'.repeat(64)) // "has 64 letters and digits, the length of a hex key, but is not hex (...)"
 */
export function keyTextProblem(raw: string): string | undefined {
  const text = raw.trim();
  if (text === '') return 'must not be blank: a key, or a passphrase of at least one non-space character';
  if (rawKeyBytes(text)) return undefined;
  const remedy =
    'write the 32 bytes as 64 hex or 44 standard base64 characters (orion-db config generate-key), or use a passphrase of another length';
  if (LETTERS_AND_DIGITS_64.test(text)) {
    const at = text.search(/[^0-9A-Fa-f]/);
    return `has 64 letters and digits, the length of a hex key, but is not hex (character ${at + 1} is not a hex digit): ${remedy}`;
  }
  if (BASE64_LIKE_43_OR_44.test(text)) {
    return `has ${text.length} base64 characters, the length of a base64 key, but is not 32 bytes in standard base64 with its "=" (URL-safe "-" and "_", or a missing "=", are not read): ${remedy}`;
  }
  return undefined;
}

/** A new random salt for scrypt, hex. */
export function newSalt(): string {
  return randomBytes(SALT_BYTES).toString('hex');
}

/** Stretches a passphrase to a key with scrypt (asynchronous: the event loop keeps running). */
export function stretchPassphrase(passphrase: string, saltHex: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase, Buffer.from(saltHex, 'hex'), ENCRYPTION_KEY_BYTES, SCRYPT_PARAMS, (error, key) => {
      // The error names parameters only, never the passphrase.
      if (error) reject(new ConfigurationError(`scrypt failed: ${error.message}`));
      else resolve(key);
    });
  });
}

/** The key id: first 8 bytes (hex) of HMAC-SHA256(key, "orion-db kid"). Reveals nothing of the key. */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('orion-db kid').digest().subarray(0, 8).toString('hex');
}

/** A key ready for use, with its id. */
export interface EncryptionKey {
  readonly key: Buffer;
  readonly kid: string;
}

export function encryptionKey(key: Buffer): EncryptionKey {
  return { key, kid: keyId(key) };
}

const aad = (documentId: string) => Buffer.from(`orion-db block_document ${documentId}`, 'utf8');

/** Encrypts `plaintext` (a document's JSON) for the document `documentId`. */
export function encrypt(key: EncryptionKey, documentId: string, plaintext: string): EncryptedData {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(aad(documentId));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    v: ENCRYPTION_FORMAT_VERSION,
    kid: key.kid,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

/** True when `value` has the shape of the encrypted form. */
export function isEncryptedData(value: unknown): value is EncryptedData {
  const v = value as EncryptedData;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.v === ENCRYPTION_FORMAT_VERSION &&
    typeof v.kid === 'string' &&
    typeof v.iv === 'string' &&
    typeof v.tag === 'string' &&
    typeof v.ct === 'string'
  );
}

/**
 * Decrypts a document's data with `key` (whose kid the caller matched). A ciphertext that fails
 * authentication (altered, or moved from another row) is a `DatabaseError`: never garbage.
 */
export function decrypt(key: EncryptionKey, documentId: string, data: EncryptedData): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(data.iv, 'base64'));
    decipher.setAAD(aad(documentId));
    decipher.setAuthTag(Buffer.from(data.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data.ct, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new DatabaseError(
      `The data of block document ${documentId} failed authentication (kid ${data.kid}): it was altered or copied from another row`,
    );
  }
}
