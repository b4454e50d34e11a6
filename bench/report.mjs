// Draws docs/performance.svg (the library's speed relative to the raw driver, one horizontal bar per
// scenario and dialect, a line at 1.0) and rewrites the results table of docs/performance.md
// between its `results:begin` / `results:end` markers, from a results file (bench/results.mjs).
// Run by `npm run bench -- --docs`, or alone: node bench/report.mjs [results.json] [section]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_FILE, TABLE_HEADER, fmtScale, speedRatio, tableRows } from './results.mjs';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
const COLORS = { sqlite: '#3b7dd8', postgresql: '#e07b39' };
const ROW = 22;
const LABEL = 250;
const PLOT = 500;
const TOP = 58;

const xmlText = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SVG text: one bar per result, from 1.0 to its ratio on a log axis. */
export function chartSvg(doc) {
  // A scenario's dialects side by side, scenarios in the order they ran.
  const order = [...new Set(doc.results.map((r) => r.scenario))];
  const rows = [...doc.results].sort(
    (a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario) || b.dialect.localeCompare(a.dialect),
  );
  const peerRatio = (r) => (r.peer ? speedRatio(r.unit, r.peer.value, r.raw) : null);
  const ratios = rows.flatMap((r) => [r.ratio, peerRatio(r) ?? 1]);
  // A log axis, bars from 1.0: twice as fast and half as fast are the same length, and a 10x peer
  // does not flatten the rest.
  const lo = Math.min(-1, Math.floor(Math.log10(Math.min(...ratios)) - 0.15));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(...ratios)) + 0.1));
  const x = (ratio) => LABEL + ((Math.log10(ratio) - lo) / (hi - lo)) * PLOT;
  const height = TOP + rows.length * ROW + 40;
  const width = LABEL + PLOT + 90;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">@orion/db speed relative to the raw driver (same work, same run)</text>`,
    `<text x="10" y="38" fill="#555">${xmlText(`${doc.date.slice(0, 10)}, --scale ${doc.options.scale}, ${doc.machine.cpus} cores (shared, loaded), Node ${doc.machine.node}. Right of 1.0: the library is faster.`)}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    for (const m of e < hi ? [1, 3] : [1]) {
      const t = m * 10 ** e;
      out.push(
        `<line x1="${x(t)}" y1="${TOP - 6}" x2="${x(t)}" y2="${TOP + rows.length * ROW}" stroke="#eee"/>`,
        `<text x="${x(t)}" y="${TOP + rows.length * ROW + 16}" text-anchor="middle" fill="#555">${t >= 1 ? t : t.toFixed(-e)}</text>`,
      );
    }
  }
  rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    out.push(
      `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${xmlText(`${r.scenario} · ${r.dialect} · ${fmtScale(r.scale)}`)}</text>`,
      `<rect x="${Math.min(x(r.ratio), x(1))}" y="${y + 4}" width="${Math.abs(x(r.ratio) - x(1))}" height="${ROW - 8}" fill="${COLORS[r.dialect] ?? '#888'}"/>`,
      r.ratio < 1
        ? `<text x="${x(r.ratio) - 4}" y="${y + 15}" text-anchor="end" fill="#333">${r.ratio.toFixed(2)}×</text>`
        : `<text x="${x(r.ratio) + 4}" y="${y + 15}" fill="#333">${r.ratio.toFixed(2)}×</text>`,
    );
    const peer = peerRatio(r);
    if (peer !== null) {
      out.push(
        `<line x1="${x(peer)}" y1="${y + 1}" x2="${x(peer)}" y2="${y + ROW - 1}" stroke="#000" stroke-width="3"/>`,
        `<text x="${x(peer) + 4}" y="${y + 9}" font-size="9">${xmlText(r.peer.name)} ${peer.toFixed(2)}×</text>`,
      );
    }
  });
  out.push(
    `<line x1="${x(1)}" y1="${TOP - 8}" x2="${x(1)}" y2="${TOP + rows.length * ROW + 2}" stroke="#c00" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    `<text x="10" y="${height - 8}" fill="#555">blue: SQLite (file, WAL); orange: PostgreSQL 15; black tick: the peer against the same raw driver. Rates: library/raw; times: raw/library.</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

/** The markdown table of the results. */
export function resultsMarkdown(doc) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const only = doc.options.only ? ` --only ${doc.options.only.join(',')}` : '';
  const head = `Measured ${doc.date.slice(0, 16).replace('T', ' ')} UTC on ${doc.machine.cpus} cores (${doc.machine.model}), Node ${doc.machine.node}: \`npm run bench -- --scale ${doc.options.scale}${only}\`, ${doc.options.minutes.toFixed(1)} minutes in all.`;
  return [
    head,
    '',
    line(TABLE_HEADER),
    line(TABLE_HEADER.map(() => '---')),
    ...tableRows(doc.results).map(line),
  ].join('\n');
}

/** Replaces the text between `<!-- section:begin -->` and `<!-- section:end -->` of docs/performance.md. */
function writeSection(section, body) {
  const md = join(DOCS, 'performance.md');
  const text = readFileSync(md, 'utf8');
  const begin = `<!-- ${section}:begin -->`;
  const end = `<!-- ${section}:end -->`;
  const [a, b] = [text.indexOf(begin), text.indexOf(end)];
  if (a < 0 || b < a) throw new Error(`${md} lacks the ${begin} … ${end} markers`);
  writeFileSync(md, `${text.slice(0, a + begin.length)}\n${body}\n${text.slice(b)}`);
  return md;
}

/**
 * Writes docs/performance.svg and the main results table of docs/performance.md (section
 * `results`) from a results file; with another `section`, only that section's table (no chart).
 * Returns the paths written.
 */
export function writeDocs(resultsFile = RESULTS_FILE, section = 'results') {
  const doc = JSON.parse(readFileSync(resultsFile, 'utf8'));
  if (section !== 'results') return [writeSection(section, resultsMarkdown(doc))];
  const svg = join(DOCS, 'performance.svg');
  writeFileSync(svg, chartSvg(doc));
  return [svg, writeSection('results', resultsMarkdown(doc))];
}

// node bench/report.mjs [results.json] [section]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(writeDocs(process.argv[2] ?? RESULTS_FILE, process.argv[3]).join('\n'));
}
