/**
 * Where a database handle's block encryption key comes from (data-model.md "Blocks", semantics.md
 * §8): the `ORION_DATABASE_ENCRYPTION_KEY` setting (option > environment > profile) when set,
 * otherwise a key generated on first use and kept in the `configuration` table, as Prefect does.
 * The stored key is read in the caller's transaction on every call (one indexed row), so a rotation
 * by another process is seen at once and a rolled-back first use leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Executor } from '../../dialect/dialect.js';
import { ConfigurationError } from '../../errors.js';
import type { SettingOrigin } from '../../settings/sources.js';
import type { RepositoryContext } from '../context.js';
import {
  ENCRYPTION_KEY_BYTES,
  type EncryptionKey,
  encryptionKey,
  newSalt,
  rawKeyBytes,
  stretchPassphrase,
} from './encryption.js';

/** The `configuration` key of the generated key (`{ "key": <base64> }`). */
export const STORED_KEY = 'block_encryption_key';
/** The `configuration` key of the scrypt salt for passphrases (`{ "salt": <hex> }`). */
export const SALT_KEY = 'block_encryption_salt';

/** The key to write with, and where it lives. */
export interface CurrentKey extends EncryptionKey {
  readonly source: 'setting' | 'configuration';
  /** Where it came from, in words for the kid error: "the key from the encryptionKey option". */
  readonly origin: string;
}

/** The words the kid error names a setting key by: the option, the variable or the profile it came from. */
export function describeKeyOrigin(origin: SettingOrigin | undefined): string {
  switch (origin?.source) {
    case 'env':
      return `the key from the environment variable ${origin.name}`;
    case 'profile':
      return `the key from ${origin.name} in profile "${origin.profile}" (${origin.file})`;
    default:
      return 'the key from the encryptionKey option';
  }
}

/** The kid error's words for the key kept in `configuration`. */
const STORED_ORIGIN = 'the key stored in the configuration table';
/** …and for a setting key this handle replaced by rotating. */
const ROTATED_ORIGIN = 'the key this handle rotated to (rotateEncryptionKey)';

/** One per database handle (shared by its transaction handles). */
export class Keyring {
  /** Keys this handle has used, by kid: reads still find a document a rolled-back rotation left behind. */
  readonly #known = new Map<string, EncryptionKey>();
  /** Passphrases stretched already, by salt: scrypt is slow on purpose. */
  readonly #stretched = new Map<string, Promise<Buffer>>();
  /** A setting key replaced by `rotateEncryptionKey` in this process. */
  #adopted: EncryptionKey | undefined;

  readonly #settingOrigin: string;

  /** @param origin where `setting` came from (option, environment, profile), named in the kid error */
  constructor(
    private readonly setting: string | null,
    origin?: SettingOrigin,
  ) {
    this.#settingOrigin = describeKeyOrigin(origin);
  }

  /** Where the key lives: the setting (environment, profile, option) or the configuration table. */
  get source(): CurrentKey['source'] {
    return this.setting === null ? 'configuration' : 'setting';
  }

  /**
   * The key to write with. With the key in `configuration`, its row is read (FOR SHARE where rows
   * lock, so a rotation waits for writers and writers for it) and, when `create`, generated if
   * missing. Without `create` and without a key, undefined.
   */
  async current(ctx: RepositoryContext, q: Executor, create: boolean): Promise<CurrentKey | undefined> {
    if (this.setting !== null) {
      const origin = this.#adopted ? ROTATED_ORIGIN : this.#settingOrigin;
      const key = this.#adopted ?? (await this.derive(ctx, q, this.setting));
      return this.remember({ ...key, source: 'setting' as const, origin });
    }
    const c = ctx.tables.configuration;
    const read = async () => {
      let query = q.select({ value: c.value }).from(c).where(eq(c.key, STORED_KEY)).$dynamic();
      if (ctx.rowLocking) query = query.for('share');
      const [row] = await query;
      return row;
    };
    let row = await read();
    if (!row && create) {
      const now = new Date();
      await q
        .insert(c)
        .values({
          key: STORED_KEY,
          value: { key: rawKeyToText(encryptionKeyBytes()) },
          created: now,
          updated: now,
        })
        .onConflictDoNothing({ target: c.key });
      row = await read();
    }
    if (!row) return undefined;
    const text = (row.value as { key?: unknown }).key;
    const bytes = typeof text === 'string' ? rawKeyBytes(text) : null;
    if (!bytes)
      throw new ConfigurationError(
        `The configuration row "${STORED_KEY}" does not hold a 32-byte key; it was altered outside the library`,
      );
    return this.remember({
      ...encryptionKey(bytes),
      source: 'configuration' as const,
      origin: STORED_ORIGIN,
    });
  }

  /** A key this handle knows with that kid (the current one is looked up first by the caller). */
  known(kid: string): EncryptionKey | undefined {
    return this.#known.get(kid);
  }

  /** Turns a key setting (or a rotation's new key) into key bytes; passphrases through scrypt. */
  async derive(ctx: RepositoryContext, q: Executor, text: string): Promise<EncryptionKey> {
    const raw = rawKeyBytes(text);
    if (raw) return encryptionKey(raw);
    const salt = await this.salt(ctx, q);
    const cacheKey = `${salt}\u0000${text}`;
    let stretched = this.#stretched.get(cacheKey);
    if (!stretched) {
      stretched = stretchPassphrase(text, salt);
      this.#stretched.set(cacheKey, stretched);
      stretched.catch(() => this.#stretched.delete(cacheKey));
    }
    return encryptionKey(await stretched);
  }

  /**
   * After a rotation with a setting key: this handle writes with the new key from now on.
   * @returns the key it wrote with before (undefined: the setting's), for `restore`
   */
  adopt(key: EncryptionKey): EncryptionKey | undefined {
    const before = this.#adopted;
    this.#adopted = key;
    this.remember(key);
    return before;
  }

  /** Undoes `adopt` when its rotation rolled back: writes go back to the key before. */
  restore(before: EncryptionKey | undefined): void {
    this.#adopted = before;
  }

  /** The database's scrypt salt, created on first use (the same for every process). */
  private async salt(ctx: RepositoryContext, q: Executor): Promise<string> {
    const c = ctx.tables.configuration;
    const read = async () => {
      const [row] = await q.select({ value: c.value }).from(c).where(eq(c.key, SALT_KEY));
      const salt = (row?.value as { salt?: unknown } | undefined)?.salt;
      return typeof salt === 'string' && /^[0-9a-f]{32,}$/.test(salt) ? salt : undefined;
    };
    const found = await read();
    if (found) return found;
    const now = new Date();
    await q
      .insert(c)
      .values({ key: SALT_KEY, value: { salt: newSalt() }, created: now, updated: now })
      .onConflictDoNothing({ target: c.key });
    const salt = await read();
    if (!salt)
      throw new ConfigurationError(
        `The configuration row "${SALT_KEY}" does not hold a hex salt; it was altered outside the library`,
      );
    return salt;
  }

  private remember<K extends EncryptionKey>(key: K): K {
    this.#known.set(key.kid, { key: key.key, kid: key.kid });
    return key;
  }
}

function encryptionKeyBytes(): Buffer {
  return randomBytes(ENCRYPTION_KEY_BYTES);
}

/** Key bytes as stored in `configuration`: base64. */
export function rawKeyToText(bytes: Buffer): string {
  return bytes.toString('base64');
}
