/**
 * Row decoders written out as code, once per column list. A row filled by computed keys
 * (`row[keys[i]] = value`) leaves V8's fast layout after 16 properties and becomes a hash table:
 * every flow run read whole (33 columns) came out that way, and each later read or write of one
 * of its properties, in the library and in the caller's code, was a hash lookup; each of those
 * stores also went through V8's megamorphic store path, and every column's decoder was called
 * from one call site (issue 13). An object literal naming every key gets one fast layout for all
 * rows, and properties added to it by name later (a run's derived fields) keep it.
 */

/** What a column gives a decoder: Drizzle's `mapFromDriverValue`. */
export interface ValueDecoder {
  mapFromDriverValue(value: unknown): unknown;
}

/** Keys a literal cannot hold as plain properties in order: the prototype setter, array indexes. */
const literalUnsafe = (key: string) => key === '__proto__' || /^(0|[1-9][0-9]*)$/.test(key);

/**
 * A function turning a driver row (an array, one value per key) into an object with `keys` in
 * that order, each value through its decoder, NULL kept as null.
 */
export function rowDecoder(
  keys: readonly string[],
  /** Per key; undefined: the value is kept as read (a column whose decoder returns its argument). */
  decoders: readonly (ValueDecoder | undefined)[],
): (row: readonly unknown[]) => Record<string, unknown> {
  if (keys.some(literalUnsafe)) {
    // No column has such a key; kept for the generality of the function.
    return (row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const value = row[i];
        const decoder = decoders[i];
        out[keys[i]!] = value === null || decoder === undefined ? value : decoder.mapFromDriverValue(value);
      }
      return out;
    };
  }
  // The keys are the library's column property names, quoted by JSON.stringify all the same; the
  // decoders are passed in, not written into the code.
  const fields = keys.map((key, i) => {
    const value = decoders[i]
      ? `row[${i}] === null ? null : decoders[${i}].mapFromDriverValue(row[${i}])`
      : `row[${i}]`;
    return `${JSON.stringify(key)}: ${value}`;
  });
  const build = new Function('decoders', 'row', `return { ${fields.join(', ')} };`) as (
    decoders: readonly (ValueDecoder | undefined)[],
    row: readonly unknown[],
  ) => Record<string, unknown>;
  return (row) => build(decoders, row);
}
