// The bench's common result format. Every scenario calls record() once per dialect (and variant);
// run.mjs prints the table at the end and writes bench/results/latest.json, from which
// bench/report.mjs draws docs/performance.svg and the table in docs/performance.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');

/** Units where more is better; every other unit (ms) is a time, where less is better. */
const higherIsBetter = (unit) => unit.endsWith('/s');

/**
 * How many times the raw driver's work the library does in the same wall time: library/raw for
 * rates, raw/library for times. Above 1, the library is faster than the raw driver.
 */
export const speedRatio = (unit, library, raw) => (higherIsBetter(unit) ? library / raw : raw / library);

const results = [];

/**
 * Records one measurement:
 * { scenario, dialect: 'sqlite' | 'postgresql', scale (rows in the table the scenario reads or
 * writes), library, raw (values in `unit`), unit ('runs/s', 'ms p50', ...), peer?: { name, value }
 * (another tool doing the same work, in `unit`), note? }. The ratio is computed (see speedRatio).
 */
export function record({ scenario, dialect, scale, library, raw, unit, peer, note }) {
  const entry = { scenario, dialect, scale, library, raw, unit, ratio: speedRatio(unit, library, raw) };
  if (peer) entry.peer = peer;
  if (note) entry.note = note;
  results.push(entry);
  return entry;
}

/** 1234.5 → "1,235"; 12.345 → "12.3"; 1.2345 → "1.23": three significant digits at least. */
export function fmt(n) {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** 10000 → "10k", 1000000 → "1M". */
export const fmtScale = (n) =>
  n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);

/** The results as rows of text cells (shared by the console table and docs/performance.md). */
export function tableRows(list) {
  return list.map((r) => [
    r.scenario,
    r.dialect,
    fmtScale(r.scale),
    `${fmt(r.library)} ${r.unit}`,
    `${fmt(r.raw)} ${r.unit}`,
    `${r.ratio.toFixed(2)}x`,
    r.peer ? `${r.peer.name} ${fmt(r.peer.value)}` : '',
  ]);
}

export const TABLE_HEADER = [
  'scenario',
  'dialect',
  'scale',
  'library',
  'raw driver',
  'speed vs raw',
  'peer (same unit)',
];

/** Prints every recorded result as an aligned table. */
export function printTable() {
  const rows = [TABLE_HEADER, ...tableRows(results)];
  const widths = TABLE_HEADER.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log('\nresults (speed vs raw: above 1.00x the library is faster than the raw driver)');
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}

/** Writes bench/results/latest.json: when, where, the options, and every result. */
export function writeResults(options) {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  const doc = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    options,
    results,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(doc, null, 2)}\n`);
  return RESULTS_FILE;
}
