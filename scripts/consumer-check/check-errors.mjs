// Reads `tsc --pretty false` output for the errors/ files (argv[2], a file) and checks that every
// line after an `// expect-error` comment has an error and that no other line has one, so each file
// fails for the reason it states and not for another (a typo, a missing module).
import { readFileSync, readdirSync } from 'node:fs';

const output = readFileSync(process.argv[2], 'utf8');
const reported = new Map();
for (const match of output.matchAll(/^(?:.*\/)?errors\/([\w.-]+)\((\d+),\d+\): error (TS\d+): (.*)$/gm)) {
  const key = `${match[1]}:${match[2]}`;
  reported.set(key, [...(reported.get(key) ?? []), `${match[3]} ${match[4]}`]);
}
const failures = [];
const expected = new Set();
for (const file of readdirSync(new URL('./errors/', import.meta.url))) {
  const lines = readFileSync(new URL(`./errors/${file}`, import.meta.url), 'utf8').split('\n');
  lines.forEach((line, index) => {
    if (!line.includes('// expect-error')) return;
    const key = `${file}:${index + 2}`;
    expected.add(key);
    if (reported.has(key)) console.log(`  fails as expected: ${key} ${reported.get(key)[0].slice(0, 110)}`);
    else failures.push(`${key} compiles, but should not (${line.trim()})`);
  });
}
for (const [key, messages] of reported) {
  if (!expected.has(key)) failures.push(`${key} unexpected error: ${messages.join('; ')}`);
}
const other = output
  .split('\n')
  .filter((line) => /error TS\d+/.test(line) && !/errors\/[\w.-]+\(/.test(line));
for (const line of other) failures.push(`unexpected error outside errors/: ${line}`);
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
