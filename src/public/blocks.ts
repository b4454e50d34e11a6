/** Block types, schemas and documents (docs/blocks.md). */
import type { JsonObject } from '../schema/json-types.js';
import type { TextFilter } from './filters.js';

/** A block type as stored. */
export interface BlockType {
  id: string;
  name: string;
  created: Date;
  updated: Date;
  slug: string;
  logoUrl: string | null;
  documentationUrl: string | null;
  description: string | null;
  codeExample: string | null;
  isProtected: boolean;
}

/** A block schema as stored; `fields` comes back exactly as given (key order included). */
export interface BlockSchema {
  id: string;
  created: Date;
  updated: Date;
  checksum: string;
  fields: JsonObject;
  capabilities: string[];
  version: string;
  blockTypeId: string;
}

/** What `rotateEncryptionKey` did. */
export interface RotationResult {
  /** Documents re-encrypted. */
  documents: number;
  /** The new key's id. */
  kid: string;
  /**
   * Where the new key lives now: `configuration` (stored in the same transaction) or `setting`
   * (not stored: set ORION_DATABASE_ENCRYPTION_KEY to it before other processes use the database).
   */
  keySource: 'configuration' | 'setting';
}

/**
 * A block document as read: `data` decrypted, references replaced by the referenced documents'
 * data (recursively) and secrets masked as `********` unless `includeSecrets`.
 */
export interface BlockDocument {
  id: string;
  created: Date;
  updated: Date;
  name: string;
  isAnonymous: boolean;
  blockTypeId: string;
  /** The block type's name (kept in step when the type is renamed). */
  blockTypeName: string | null;
  blockSchemaId: string;
  data: JsonObject;
  /** The document's references: field name → referenced document id. */
  blockDocumentReferences: { [x: string]: string };
}

export interface BlockDocumentCreate {
  blockTypeId: string;
  blockSchemaId: string;
  data: { [x: string]: unknown };
  name?: string | undefined;
  isAnonymous?: boolean | undefined;
}

export interface BlockDocumentListOptions {
  where?:
    | {
        blockTypeSlug?: { any?: string[] | undefined } | undefined;
        name?: TextFilter | undefined;
        blockSchema?: { capabilities: { all?: string[] | undefined } } | undefined;
        isAnonymous?: boolean | undefined;
      }
    | undefined;
  includeSecrets?: boolean | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface BlockDocumentReadOptions {
  includeSecrets?: boolean | undefined;
}

export interface BlockDocumentUpdate {
  data: { [x: string]: unknown };
  mergeExistingData?: boolean | undefined;
  blockSchemaId?: string | undefined;
}

export interface BlockDocumentWhere {
  blockTypeSlug?: { any?: string[] | undefined } | undefined;
  name?: TextFilter | undefined;
  blockSchema?: { capabilities: { all?: string[] | undefined } } | undefined;
  /** Anonymous documents are left out unless this is true (or undefined with `includeAnonymous`). */
  isAnonymous?: boolean | undefined;
}

export interface BlockSchemaCreate {
  blockTypeId: string;
  fields: { [x: string]: unknown };
  capabilities?: string[] | undefined;
  version?: string | undefined;
}

export interface BlockSchemaListOptions {
  where?:
    | {
        blockTypeId?: { any?: string[] | undefined } | undefined;
        capabilities?: { all?: string[] | undefined } | undefined;
        version?: { any?: string[] | undefined } | undefined;
      }
    | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface BlockTypeListOptions {
  where?:
    | { name?: { like?: string | undefined } | undefined; slug?: { any?: string[] | undefined } | undefined }
    | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface BlockTypeUpsert {
  slug: string;
  name: string;
  logoUrl?: string | null | undefined;
  documentationUrl?: string | null | undefined;
  description?: string | null | undefined;
  codeExample?: string | null | undefined;
  isProtected?: boolean | undefined;
}
