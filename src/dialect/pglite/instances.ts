import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { FrameStorage } from '../frame-storage.js';
import { Gate } from '../gate.js';

/** One PGlite session with the gate and transaction context that every handle on it shares. */
export interface SharedPglite {
  readonly instance: PGlite;
  readonly gate: Gate;
  readonly storage: FrameStorage;
}

interface Entry {
  shared: Promise<SharedPglite>;
  handles: number;
}

/**
 * One PGlite instance per data directory per process, shared by every handle on it (two instances
 * on one directory would corrupt it), like SQLite's one connection per file. In-memory instances
 * are never shared.
 */
const registry = new Map<string, Entry>();

async function open(dataDir: string | null): Promise<SharedPglite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  if (dataDir !== null) makeOwnerOnly(dataDir);
  const instance = await PGlite.create(dataDir ?? undefined, { extensions: { pg_trgm } });
  return share(instance);
}

/**
 * Creates a missing data directory 0700 before PGlite fills it: it may hold the generated block
 * encryption key, and PGlite would make it 0755 with files 0666. An existing directory keeps its
 * mode; any failure (a missing parent, say) is left for PGlite to report as before.
 */
function makeOwnerOnly(dataDir: string): void {
  try {
    mkdirSync(dataDir, { mode: 0o700 });
  } catch {
    // EEXIST: the owner's choice stands. Anything else: PGlite's own open says what is wrong.
  }
}

/** Wraps an instance with a fresh gate and transaction context (a client the caller handed in). */
export function share(instance: PGlite): SharedPglite {
  return { instance, gate: new Gate(), storage: new FrameStorage() };
}

/** Opens (or joins) the instance for `dataDir`; null opens a private in-memory instance. */
export async function acquirePglite(dataDir: string | null): Promise<SharedPglite> {
  if (dataDir === null) return open(null);
  let entry = registry.get(dataDir);
  if (!entry) {
    const created: Entry = { shared: open(dataDir), handles: 0 };
    registry.set(dataDir, created);
    created.shared.catch(() => registry.delete(dataDir));
    entry = created;
  }
  entry.handles += 1;
  return entry.shared;
}

/** Drops one handle; the last one closes the instance. */
export async function releasePglite(shared: SharedPglite): Promise<void> {
  for (const [dir, entry] of registry) {
    if ((await entry.shared) !== shared) continue;
    entry.handles -= 1;
    if (entry.handles > 0) return;
    registry.delete(dir);
    break;
  }
  if (!shared.instance.closed) await shared.instance.close();
}
