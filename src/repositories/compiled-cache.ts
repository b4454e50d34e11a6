/**
 * A small least-recently-used cache of compiled validators, keyed by the schema's JSON text.
 *
 * Ajv compiles a schema into a function; for a deployment's parameter schema that took 36 s for a
 * 789 KB schema (a fresh user's trial), and it was done again at every enforced run, schedule
 * check and upsert. The same stored schema gives the same text each time it is read, so its
 * compiled function is kept: at most `maxEntries` of them, and at most `maxBytes` of schema text in
 * all (a schema larger than that is compiled and not kept).
 */
export class CompiledCache<T> {
  private readonly entries = new Map<string, T>();
  private bytes = 0;
  /** Compilations done (misses), for tests. */
  compiles = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** The function compiled for `text`, compiling it with `compile` when not kept. */
  get(text: string, compile: () => T): T {
    const kept = this.entries.get(text);
    if (kept !== undefined) {
      // Most recently used last: a Map iterates in insertion order.
      this.entries.delete(text);
      this.entries.set(text, kept);
      return kept;
    }
    const made = compile();
    this.compiles++;
    if (text.length > this.maxBytes) return made;
    this.entries.set(text, made);
    this.bytes += text.length;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= oldest.length;
    }
    return made;
  }

  /** How many are kept. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
