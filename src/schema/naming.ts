import { createHash } from 'node:crypto';

/** Postgres truncates identifiers past 63 bytes; we shorten them identically on both dialects. */
export const MAX_IDENTIFIER_LENGTH = 63;

/**
 * Returns a constraint or index name that fits Postgres' limit: a longer name becomes its first
 * 54 characters, `_`, and 8 hex characters of a SHA-256 of the full name.
 */
export function constraintName(name: string): string {
  if (name.length <= MAX_IDENTIFIER_LENGTH) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54)}_${hash}`;
}

export const ix = (table: string, ...columns: string[]) =>
  constraintName(`ix_${table}__${columns.join('_')}`);
export const uq = (table: string, ...columns: string[]) =>
  constraintName(`uq_${table}__${columns.join('_')}`);
export const fk = (table: string, columns: string[], ref: string) =>
  constraintName(`fk_${table}__${columns.join('_')}__${ref}`);
export const ck = (table: string, name: string) => constraintName(`ck_${table}__${name}`);
export const pk = (table: string) => constraintName(`pk_${table}`);
