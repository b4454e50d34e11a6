/**
 * Helpers for multi-row statements written as text rather than built with Drizzle (logs, scheduled
 * runs): Drizzle builds each row's SQL in JavaScript, a cost per row that a text built once per row
 * count does not have (docs/decisions.md). The text runs through `dialect.runText` / `queryArrays`.
 */
import type { Dialect } from '../dialect/dialect.js';

/** `(p1, p2, …), (…), …`: `rows` tuples of `width` placeholders, numbered from 1, in the dialect's spelling. */
export function placeholderTuples(dialect: Dialect, rows: number, width: number): string {
  const tuples: string[] = new Array(rows);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const values: string[] = new Array(width);
    for (let c = 0; c < width; c++) values[c] = dialect.fragments.placeholder(++n);
    tuples[r] = `(${values.join(', ')})`;
  }
  return tuples.join(', ');
}

/**
 * Statement texts by key (dialect, row count, …), the last `max` kept: a bulk load reuses the text
 * of its full batch size, and a text of 30,000 placeholders is worth building once.
 */
export class StatementTexts {
  readonly #texts = new Map<string, string>();

  constructor(private readonly max: number) {}

  /** The text of `key`, built by `build` the first time. */
  get(key: string, build: () => string): string {
    let text = this.#texts.get(key);
    if (text !== undefined) return text;
    text = build();
    if (this.#texts.size >= this.max) this.#texts.delete(this.#texts.keys().next().value!);
    this.#texts.set(key, text);
    return text;
  }
}
