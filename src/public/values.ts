/**
 * The functions and limits the package exports, re-declared with plain types: the modules that
 * define them import Drizzle, Zod or Node's Buffer type, and the package's declarations must not
 * (a consumer without skipLibCheck or @types/node would check those too).
 */
import { computeBlockSchemaChecksum as checksum } from '../repositories/blocks/block-schemas.js';
import { generateEncryptionKey as generateKey } from '../repositories/blocks/encryption.js';
import { MAX_REFERENCE_DEPTH as referenceDepth } from '../repositories/blocks/references.js';
import { SECRET_MASK as secretMask } from '../repositories/blocks/secrets.js';
import {
  LOG_LEVELS as logLevels,
  MAX_LOG_LEVEL as maxLogLevel,
  MAX_LOG_MESSAGE_BYTES as maxMessageBytes,
} from '../repositories/logs/rows.js';
import { LOG_STREAM_PAGE_BYTES as streamPageBytes } from '../repositories/logs.js';
import {
  MAX_LOG_QUERY_CHARS as queryChars,
  MAX_LOG_QUERY_TERMS as queryTerms,
} from '../repositories/logs/text-query.js';
import {
  INDEXED_TEXT_BYTES as indexedBytes,
  TAG_LIMIT_TAG_BYTES as tagBytes,
} from '../repositories/validation/caps.js';
import { MAX_JSON_BYTES as jsonBytes, MAX_JSON_DEPTH as jsonDepth } from '../repositories/validation/json.js';
import {
  MAX_NAME_CHARS as nameChars,
  MAX_TEXT_BYTES as textBytes,
} from '../repositories/validation/strings.js';
import { MAX_TIME as maxTime, MIN_TIME as minTime } from '../repositories/validation/times.js';
import type { JsonObject } from '../schema/json-types.js';

/**
 * The checksum Prefect gives a block schema's `fields` (`sha256:` and the hex digest of its
 * canonical JSON): what `blockSchemas.getByChecksum` looks up.
 * @example const schema = await db.blockSchemas.getByChecksum(computeBlockSchemaChecksum(fields));
 */
export const computeBlockSchemaChecksum: (fields: JsonObject) => string = checksum;

/**
 * A new random block encryption key, in the form ORION_DATABASE_ENCRYPTION_KEY takes.
 * @example await db.blockDocuments.rotateEncryptionKey(generateEncryptionKey());
 */
export const generateEncryptionKey: () => string = generateKey;

/** At most this many terms in a log text query (`where.text.query`). */
export const MAX_LOG_QUERY_TERMS: number = queryTerms;
/** At most this many characters in a log text query. */
export const MAX_LOG_QUERY_CHARS: number = queryChars;
/** Bytes of messages one page of `db.logs.stream` holds at most (8 MiB; a page holds at least one log). */
export const LOG_STREAM_PAGE_BYTES: number = streamPageBytes;
/** Bytes (UTF-8) an indexed text column holds, by table and column (docs/repositories.md, "Input limits"). */
export const INDEXED_TEXT_BYTES: Readonly<Record<string, Readonly<Record<string, number>>>> = indexedBytes;
/** Bytes a tag limit's tag holds (the limit's name less its `tag:` prefix). */
export const TAG_LIMIT_TAG_BYTES: number = tagBytes;
/** JSON documents nest at most this deep. */
export const MAX_JSON_DEPTH: number = jsonDepth;
/**
 * A JSON document (parameters, state data, job variables, a block's data, ...) holds at most this
 * many bytes of UTF-8 as JSON text: 4,000,000 (not 4 MiB). More is a ValidationError naming the field.
 * @example if (new TextEncoder().encode(JSON.stringify(parameters)).length > MAX_JSON_BYTES) parameters = { ref: uploadedUrl };
 */
export const MAX_JSON_BYTES: number = jsonBytes;
/** Names hold at most this many characters. */
export const MAX_NAME_CHARS: number = nameChars;
/** Free text (descriptions, messages) holds at most this many bytes of UTF-8: 1,000,000 (not 1 MiB). */
export const MAX_TEXT_BYTES: number = textBytes;
/** The earliest time the library stores (0100-01-01T00:00:00.000Z). */
export const MIN_TIME: Date = minTime;
/** The latest time the library stores (9999-12-31T23:59:59.999Z). */
export const MAX_TIME: Date = maxTime;

/** What a secret field reads as unless `includeSecrets` (and, sent back, keeps the stored value). */
export const SECRET_MASK: '********' = secretMask;
/** Block document references nest at most this deep. */
export const MAX_REFERENCE_DEPTH: number = referenceDepth;
/** The log level names and their numbers. */
export const LOG_LEVELS: {
  readonly DEBUG: 10;
  readonly INFO: 20;
  readonly WARNING: 30;
  readonly ERROR: 40;
  readonly CRITICAL: 50;
} = logLevels;
/** The highest level a log may have; the lowest is 0. */
export const MAX_LOG_LEVEL: number = maxLogLevel;
/** A log message is at most this many bytes of UTF-8 (after cleaning). */
export const MAX_LOG_MESSAGE_BYTES: number = maxMessageBytes;
