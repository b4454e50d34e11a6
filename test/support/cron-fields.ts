/** Cron fields read without a cron library, for the oracles of the cron property tests. */

/**
 * The values a cron field names, between `min` and `max`: `*`, `a`, `a-b`, `*\/n`, `a/n` (a to max
 * by n), `a-b/n`, and lists of them. Names (`MON`) and croner's `L`, `#`, `W` are not read.
 */
export function fieldValues(field: string, max: number, min = 0): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, step] = part.split('/');
    const [lo, hi] =
      range === '*'
        ? [min, max]
        : range!.includes('-')
          ? range!.split('-').map(Number)
          : [Number(range), Number(range)];
    for (
      let v = lo!;
      v <= (step && range !== '*' && !range!.includes('-') ? max : hi!);
      v += Number(step ?? 1)
    )
      out.add(v);
  }
  return out;
}
