/**
 * The log text query (issue 9, data-model.md "Logs", semantics.md §7): space-separated terms are
 * OR'ed, `-term` excludes, `"a phrase"` matches the words with their spaces, and `-"a phrase"`
 * excludes one. A log matches when it contains at least one included term (or there are none) and
 * none of the excluded ones. Matching is a substring match, case-insensitive for ASCII letters only,
 * the same on both dialects; `%`, `_` and `\` match themselves. The SQL is in reads.ts.
 */

/** At most this many terms (included and excluded together). */
export const MAX_LOG_QUERY_TERMS = 50;
/** At most this many characters (UTF-16 units) of query text. */
export const MAX_LOG_QUERY_CHARS = 1000;

export interface TextQuery {
  include: string[];
  exclude: string[];
}

/**
 * Splits a query into terms. Whitespace separates terms outside quotes; a `"` opens a phrase that
 * runs to the next `"` (or to the end of the text when none follows); a term or phrase led by `-`
 * is excluded. Empty terms (`""`, a lone `-`) are dropped.
 */
export function parseTextQuery(query: string): TextQuery {
  const out: TextQuery = { include: [], exclude: [] };
  let i = 0;
  while (i < query.length) {
    while (i < query.length && isSpace(query[i]!)) i++;
    if (i >= query.length) break;
    let excluded = false;
    if (query[i] === '-') {
      excluded = true;
      i++;
    }
    let term: string;
    if (query[i] === '"') {
      const close = query.indexOf('"', i + 1);
      const end = close < 0 ? query.length : close;
      term = query.slice(i + 1, end);
      i = end + 1;
    } else {
      const start = i;
      while (i < query.length && !isSpace(query[i]!)) i++;
      term = query.slice(start, i);
    }
    if (term.length > 0) (excluded ? out.exclude : out.include).push(term);
  }
  return out;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

/** Lower-cases ASCII letters only (what both dialects' matching does). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Whether `message` matches the parsed query (the reference the SQL must agree with). */
export function matchesTextQuery(message: string, query: TextQuery): boolean {
  const folded = asciiLower(message);
  const has = (term: string) => folded.includes(asciiLower(term));
  if (query.exclude.some(has)) return false;
  return query.include.length === 0 || query.include.some(has);
}
