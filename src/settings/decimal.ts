/**
 * Numbers in settings text (environment, profiles, URL options) are read as plain decimal digits
 * only. `Number()` alone also reads hexadecimal, octal and binary, exponents, signs and
 * `Infinity`: `ORION_DATABASE_TIMEOUT=0x10` was 16 s (a fresh-user trial), and
 * `statement_cache_size=0x0` would have turned prepared statements off.
 */
const DECIMAL = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/;
const WHOLE = /^[0-9]+$/;

/**
 * The number `text` (trimmed) writes in decimal digits — `10`, `2.5`, `.5`, `5.`; with `whole`,
 * digits only — or undefined for any other text.
 * @example readDecimal(' 2.5 ', false) // 2.5; readDecimal('0x10', false) // undefined
 */
export function readDecimal(text: string, whole: boolean): number | undefined {
  const trimmed = text.trim();
  return (whole ? WHOLE : DECIMAL).test(trimmed) ? Number(trimmed) : undefined;
}
