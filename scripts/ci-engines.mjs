// CI: checks, from package-lock.json alone, that the Node.js versions we support are admitted by
// our own `engines` and by the `engines` of every package a user installs with us (dependencies,
// not devDependencies), so a dependency bump that drops a supported line fails here even before a
// test notices. Usage: node scripts/ci-engines.mjs 20.19.0 22.12.0 24.0.0 [more versions...]
// Uses the semver package that ships inside npm, so it needs nothing installed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const versions = process.argv.slice(2);
if (versions.length === 0) {
  console.error('usage: node scripts/ci-engines.mjs VERSION...');
  process.exit(2);
}
const npmRoot = join(execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(), 'npm');
const semver = createRequire(join(npmRoot, 'package.json'))('semver');

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const problems = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  // The root entry is our own package; dev-only packages are checked by `npm ci --engine-strict`
  // on each line instead, since they do not reach users.
  if (entry.dev || entry.devOptional) continue;
  const range = entry.engines?.node;
  if (!range) continue;
  const name =
    path === '' ? `${lock.name} (package.json)` : `${path.replace(/^.*node_modules\//, '')}@${entry.version}`;
  for (const version of versions) {
    if (!semver.satisfies(version, range))
      problems.push(`${name} declares node "${range}", which excludes ${version}`);
  }
}
if (problems.length > 0) {
  console.error(`ci-engines: supported Node versions excluded:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`ci-engines: our engines and every runtime dependency's admit Node ${versions.join(', ')}`);
