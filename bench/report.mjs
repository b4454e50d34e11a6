// Draws docs/performance.svg (the library's speed relative to the raw driver, one horizontal bar per
// scenario and dialect, a line at 1.0) and rewrites the results table of docs/performance.md
// between its `results:begin` / `results:end` markers, from a results file (bench/results.mjs).
// Run by `npm run bench -- --docs`, or alone: node bench/report.mjs [bench/results/latest.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_FILE, TABLE_HEADER, fmtScale, tableRows } from './results.mjs';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
const COLORS = { sqlite: '#3b7dd8', postgresql: '#e07b39' };
const ROW = 22;
const LABEL = 250;
const PLOT = 460;
const TOP = 58;

const xmlText = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SVG text: one bar per result, x = ratio on a linear axis from 0 that always shows 1.0. */
export function chartSvg(doc) {
  const rows = doc.results;
  const max = Math.max(1.5, Math.ceil(Math.max(...rows.map((r) => r.ratio)) * 2) / 2);
  const x = (ratio) => LABEL + (Math.min(ratio, max) / max) * PLOT;
  const height = TOP + rows.length * ROW + 40;
  const width = LABEL + PLOT + 70;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">@orion/db speed relative to the raw driver (same work, same run)</text>`,
    `<text x="10" y="38" fill="#555">${xmlText(`${doc.date.slice(0, 10)}, --scale ${doc.options.scale}, ${doc.machine.cpus} cores (shared, loaded), Node ${doc.machine.node}. Right of 1.0: the library is faster.`)}</text>`,
  ];
  for (let t = 0; t <= max + 1e-9; t += 0.5) {
    out.push(
      `<line x1="${x(t)}" y1="${TOP - 6}" x2="${x(t)}" y2="${TOP + rows.length * ROW}" stroke="#eee"/>`,
      `<text x="${x(t)}" y="${TOP + rows.length * ROW + 16}" text-anchor="middle" fill="#555">${t.toFixed(1)}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    out.push(
      `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${xmlText(`${r.scenario} · ${r.dialect} · ${fmtScale(r.scale)}`)}</text>`,
      `<rect x="${LABEL}" y="${y + 4}" width="${x(r.ratio) - LABEL}" height="${ROW - 8}" fill="${COLORS[r.dialect] ?? '#888'}"/>`,
      `<text x="${x(r.ratio) + 4}" y="${y + 15}" fill="#333">${r.ratio.toFixed(2)}×</text>`,
    );
  });
  out.push(
    `<line x1="${x(1)}" y1="${TOP - 8}" x2="${x(1)}" y2="${TOP + rows.length * ROW + 2}" stroke="#c00" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    `<text x="${LABEL}" y="${height - 8}" fill="#555">bars: blue SQLite (file, WAL), orange PostgreSQL 15; rates: library/raw, times: raw/library</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

/** The markdown table of the results. */
export function resultsMarkdown(doc) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const head = `Measured ${doc.date.slice(0, 16).replace('T', ' ')} UTC on ${doc.machine.cpus} cores (${doc.machine.model}), Node ${doc.machine.node}: \`npm run bench -- --scale ${doc.options.scale}\`, ${doc.options.minutes.toFixed(1)} minutes in all.`;
  return [
    head,
    '',
    line(TABLE_HEADER),
    line(TABLE_HEADER.map(() => '---')),
    ...tableRows(doc.results).map(line),
  ].join('\n');
}

/** Writes docs/performance.svg and the table in docs/performance.md; returns the paths written. */
export function writeDocs(resultsFile = RESULTS_FILE) {
  const doc = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const svg = join(DOCS, 'performance.svg');
  writeFileSync(svg, chartSvg(doc));
  const md = join(DOCS, 'performance.md');
  const text = readFileSync(md, 'utf8');
  const begin = '<!-- results:begin -->';
  const end = '<!-- results:end -->';
  const [a, b] = [text.indexOf(begin), text.indexOf(end)];
  if (a < 0 || b < a) throw new Error(`${md} lacks the ${begin} … ${end} markers`);
  writeFileSync(md, `${text.slice(0, a + begin.length)}\n${resultsMarkdown(doc)}\n${text.slice(b)}`);
  return [svg, md];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(writeDocs(process.argv[2] ?? RESULTS_FILE).join('\n'));
}
