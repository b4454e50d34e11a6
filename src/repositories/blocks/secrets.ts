/**
 * Secret fields of block documents (api.md "Blocks", data-model.md "Blocks"): a schema's
 * `fields.secret_fields` lists dotted paths; `*` stands for any key of an object or any element of
 * a list at its level, and a digit segment also names a list element. The value a path reaches is
 * secret as a whole (an object or list there is masked as one string). Reads show `********`
 * instead, unless `includeSecrets`; null values stay null (they hold no secret). An update that
 * sends the mask back where a secret is stored keeps the stored value.
 */
import { ValidationError } from '../../errors.js';
import { type JsonValue, formatPath } from '../validation.js';

/** What a secret reads as without `includeSecrets`. */
export const SECRET_MASK = '********';

type Path = readonly string[];
type Json = JsonValue;

/** The secret paths of a schema's fields, split into segments. */
export function secretPaths(fields: unknown): Path[] {
  const list = (fields as { secret_fields?: unknown } | null)?.secret_fields;
  if (!Array.isArray(list)) return [];
  return list.filter((p): p is string => typeof p === 'string' && p.length > 0).map((p) => p.split('.'));
}

/** The children of `value` that `segment` selects, as [key, child] pairs. */
function select(value: Json, segment: string): [string | number, Json][] {
  if (Array.isArray(value)) {
    if (segment === '*') return value.map((v, i) => [i, v]);
    if (/^(0|[1-9][0-9]*)$/.test(segment) && Number(segment) < value.length)
      return [[Number(segment), value[Number(segment)]!]];
    return [];
  }
  if (value !== null && typeof value === 'object') {
    if (segment === '*') return Object.entries(value);
    return Object.hasOwn(value, segment) ? [[segment, value[segment]!]] : [];
  }
  return [];
}

/** Calls `visit` with the parent, key and location path of every place `path` reaches in `root`. */
function reach(
  root: Json,
  path: Path,
  visit: (parent: Json[] | Record<string, Json>, key: string | number, at: (string | number)[]) => void,
): void {
  const walk = (value: Json, depth: number, at: (string | number)[]) => {
    for (const [key, child] of select(value, path[depth]!)) {
      if (depth === path.length - 1) visit(value as Record<string, Json>, key, [...at, key]);
      else walk(child, depth + 1, [...at, key]);
    }
  };
  if (path.length > 0) walk(root, 0, []);
}

function set(parent: Json[] | Record<string, Json>, key: string | number, value: Json): void {
  if (Array.isArray(parent)) parent[key as number] = value;
  else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}

const copy = <T extends Json>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A copy of `data` with every non-null value a secret path reaches replaced by the mask. */
export function maskSecretFields<T extends Record<string, Json>>(data: T, paths: readonly Path[]): T {
  if (paths.length === 0) return data;
  const out = copy(data);
  for (const path of paths) {
    reach(out, path, (parent, key) => {
      const value = (parent as Record<string | number, Json>)[key];
      if (value !== null && value !== undefined) set(parent, key, SECRET_MASK);
    });
  }
  return out;
}

/**
 * `incoming` with each mask at a secret path replaced by the stored value at the same place. A mask
 * left anywhere else (nothing or null stored there, or no secret path) is a `ValidationError` naming
 * the place: storing the mask itself, or the null, would drop what the caller sent silently.
 */
export function restoreSecretFields<T extends Record<string, Json>>(
  incoming: T,
  stored: Record<string, Json> | undefined,
  paths: readonly Path[],
): T {
  const out = copy(incoming);
  for (const path of paths) {
    reach(out, path, (parent, key, at) => {
      if ((parent as Record<string | number, Json>)[key] !== SECRET_MASK || stored === undefined) return;
      let original: Json | undefined = stored;
      for (const segment of at) {
        const next = select(original as Json, String(segment));
        original = next.length === 1 ? next[0]![1] : undefined;
        if (original === undefined) return;
      }
      // A stored null holds no secret (reads show it as null, never masked), so the mask there
      // cannot be a read sent back: left in place, it is refused below like any stray mask.
      if (original === null) return;
      set(parent, key, copy(original));
    });
  }
  const left = findMask(out, []);
  if (left) {
    const where = `data.${formatPath(left)}`;
    throw new ValidationError(
      `Invalid block document data: ${where}: "${SECRET_MASK}" is the mask of a secret; it may only be sent back where a secret is stored`,
      [{ path: ['data', ...left], message: 'the secret mask where no secret is stored' }],
    );
  }
  return out;
}

function findMask(value: Json, at: (string | number)[]): (string | number)[] | undefined {
  if (value === SECRET_MASK) return at;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findMask(value[i]!, [...at, i]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findMask(v, [...at, k]);
      if (found) return found;
    }
  }
  return undefined;
}
