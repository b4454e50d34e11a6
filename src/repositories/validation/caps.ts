/**
 * Byte caps for indexed text (semantics.md §2, "Indexed text"). PostgreSQL refuses a B-tree index
 * row larger than 2,704 bytes (a third of a page, less overhead) with error 54000, once the value
 * does not compress; SQLite has no such limit. So that what validation accepts is stored by both
 * dialects alike, every text column in a B-tree index (unique or not, composite ones included) gets
 * a UTF-8 byte cap here, sized so that the worst-case index row of every index fits. Trigram GIN
 * indexes (`gin_trgm_ops`) and the jsonb GIN on tags index short trigram/hash keys: they impose no
 * length limit, so columns only they read are not listed.
 *
 * test/validation/index-caps.test.ts walks the PostgreSQL schema: an indexed text column missing
 * here, or a cap that would let an index row exceed the limit, fails it.
 */
import { boundedString, MAX_NAME_CHARS } from './strings.js';

/** PostgreSQL's B-tree limit on one index row (BTMaxItemSize for 8 kB pages), in bytes. */
export const BTREE_MAX_INDEX_ROW_BYTES = 2704;

/**
 * The cap of a text that is the only text column in every B-tree index it belongs to (beside
 * uuids, numbers, booleans or times). Worst case: 8 (tuple header) + 8 (null bitmap, aligned) +
 * 16 (uuid) + 4 (varlena header) + 2,600 = 2,636 bytes, aligned 2,640.
 */
export const SOLE_INDEXED_TEXT_BYTES = 2600;

/**
 * The cap of a text that shares a B-tree index with one other text column. Worst case:
 * 8 + 8 + 16 + 2 × (4 + 1,300) + 3 (alignment) = 2,643 bytes, aligned 2,648.
 */
export const SHARED_INDEXED_TEXT_BYTES = 1300;

/** Byte caps by table and column (SQL names), for every text column in a B-tree index. */
export const INDEXED_TEXT_BYTES = {
  flow: { name: SOLE_INDEXED_TEXT_BYTES },
  flow_run: {
    name: SOLE_INDEXED_TEXT_BYTES,
    idempotency_key: SOLE_INDEXED_TEXT_BYTES,
    state_type: SOLE_INDEXED_TEXT_BYTES,
    state_name: SOLE_INDEXED_TEXT_BYTES,
  },
  flow_run_state: { type: SOLE_INDEXED_TEXT_BYTES, name: SOLE_INDEXED_TEXT_BYTES },
  task_run: {
    name: SOLE_INDEXED_TEXT_BYTES,
    // (flow_run_id, task_key, dynamic_key) and (task_key, dynamic_key): two texts share the index.
    task_key: SHARED_INDEXED_TEXT_BYTES,
    dynamic_key: SHARED_INDEXED_TEXT_BYTES,
    state_type: SOLE_INDEXED_TEXT_BYTES,
  },
  task_run_state: { type: SOLE_INDEXED_TEXT_BYTES, name: SOLE_INDEXED_TEXT_BYTES },
  deployment: { name: SOLE_INDEXED_TEXT_BYTES, work_queue_name: SOLE_INDEXED_TEXT_BYTES },
  deployment_schedule: { slug: SOLE_INDEXED_TEXT_BYTES },
  work_pool: { name: SOLE_INDEXED_TEXT_BYTES, type: SOLE_INDEXED_TEXT_BYTES },
  work_queue: { name: SOLE_INDEXED_TEXT_BYTES },
  worker: { name: SOLE_INDEXED_TEXT_BYTES },
  concurrency_limit_v2: { name: SOLE_INDEXED_TEXT_BYTES },
  concurrency_lease: { holder_type: SHARED_INDEXED_TEXT_BYTES, holder_id: SHARED_INDEXED_TEXT_BYTES },
  block_type: { slug: SOLE_INDEXED_TEXT_BYTES },
  block_schema: { checksum: SHARED_INDEXED_TEXT_BYTES, version: SHARED_INDEXED_TEXT_BYTES },
  // (block_type_name, name) share an index; name is also in (block_type_id, name).
  block_document: { name: SHARED_INDEXED_TEXT_BYTES, block_type_name: SHARED_INDEXED_TEXT_BYTES },
  configuration: { key: SOLE_INDEXED_TEXT_BYTES },
} as const satisfies Record<string, Record<string, number>>;

export type IndexedTable = keyof typeof INDEXED_TEXT_BYTES;
/** A `[table, column]` pair of INDEXED_TEXT_BYTES. */
export type IndexedColumn = {
  [T in IndexedTable]: [T, keyof (typeof INDEXED_TEXT_BYTES)[T] & string];
}[IndexedTable];

/** The byte cap of one indexed text column. */
export function indexedTextBytes(...[table, column]: IndexedColumn): number {
  return (INDEXED_TEXT_BYTES[table] as Record<string, number>)[column]!;
}

/**
 * A tag's own cap, for tag concurrency limits (named `tag:<tag>` in concurrency_limit_v2.name):
 * 4 bytes shorter than the limit name. Tags themselves live in jsonb lists that no B-tree index
 * reads; this is the cap tag limits will check.
 */
export const TAG_LIMIT_TAG_BYTES = INDEXED_TEXT_BYTES.concurrency_limit_v2.name - 'tag:'.length;

/**
 * A name stored in (or looked up against) indexed columns: 1 to 1,024 characters and at most the
 * smallest byte cap of `columns`. Every input field that lands in an indexed text column is built
 * with this, so the cap lives in one table and the message names the field and the bytes.
 */
export function indexedText(...columns: [IndexedColumn, ...IndexedColumn[]]) {
  return boundedString({ minChars: 1, maxChars: MAX_NAME_CHARS, maxBytes: smallestCap(columns) });
}

/** The smallest byte cap of `columns`: the value lands in each of them. */
function smallestCap(columns: IndexedColumn[]): number {
  return Math.min(...columns.map((c) => indexedTextBytes(...c)));
}

/**
 * The name of a named entity (a flow, deployment, work pool, work queue, worker, global concurrency
 * limit, block type or document, flow or task run) or a text that identifies like one (a schedule
 * slug, a pool type, a task key, a state name): `indexedText`, and not blank (`isBlank`). A blank
 * name cannot be told apart from a missing one in a list or a log line, so it is refused on create,
 * update and lookup alike (a lookup by a blank name could only be not found). Leading and trailing
 * spaces are kept as given, as Prefect keeps them.
 * @example parse(entityName(['flow', 'name']), '  ', 'name') // ValidationError "name: must not be blank (white space or invisible characters only)"
 */
export function entityName(...columns: [IndexedColumn, ...IndexedColumn[]]) {
  return boundedString({
    minChars: 1,
    maxChars: MAX_NAME_CHARS,
    maxBytes: smallestCap(columns),
    notBlank: true,
  });
}
