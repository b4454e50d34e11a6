#!/usr/bin/env bash
# The package as a user gets it (issue 12, "Done means"): packs the tarball, installs it into a fresh
# temporary project with only public registry packages, and there
#   0. runs @arethetypeswrong/cli on the tarball (the ESM-only profile: the package has no require);
#   1. compiles a strict program (the settings `tsc --init` writes, no skipLibCheck, no @types/node)
#      on TypeScript 5.x and 7, and checks that each file in errors/ fails, on the line it marks;
#   2. runs the program on SQLite, PostgreSQL (a fresh database on ORION_TEST_POSTGRES_URL's server)
#      and PGlite;
#   3. runs the orion-db bin on a temporary home: --version, status on a missing database (refused,
#      nothing created), upgrade, status, history;
#   4. runs a vitest test that uses createTestDatabase with a hostile ORION_* environment.
# Exits non-zero on the first failure. Needs ORION_TEST_POSTGRES_URL; npm's cache defaults to
# ~/.cache/orion-db/npm (npm_config_cache overrides) so later runs install from it. better-sqlite3's
# native module is taken from this checkout when it is the same version (else compiled, 1-2 minutes
# on an idle machine). CONSUMER_CHECK_KEEP=1 keeps the temporary folder.
set -euo pipefail

TS5=5.9.3
TS7=7.0.2
VITEST=4
ATTW=0.18.5

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
files="$here/consumer-check"
: "${ORION_TEST_POSTGRES_URL:?consumer-check.sh needs ORION_TEST_POSTGRES_URL (a PostgreSQL server it may create a database on)}"
export npm_config_cache="${npm_config_cache:-${XDG_CACHE_HOME:-$HOME/.cache}/orion-db/npm}"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# The user's own settings must not steer the checks (the hostile test sets its own below).
unset ORION_HOME ORION_DATABASE_URL PREFECT_HOME

work="$(mktemp -d "${TMPDIR:-/tmp}/orion-consumer.XXXXXX")"
cleanup() {
  if [[ "${CONSUMER_CHECK_KEEP:-}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "pack"
tarball="$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "$tarball"

step "install into a fresh project"
app="$work/app"
mkdir -p "$app"
cp -R "$files/." "$app/"
cd "$app"
cat > package.json <<JSON
{ "name": "orion-consumer", "private": true, "type": "module" }
JSON
# Install scripts off, then better-sqlite3's native module: the one this checkout built for the same
# version and Node ABI when there is one (compiling it again took 8-9 of this check's 12 minutes on
# the loaded CI machine), else built here from source as a user's install would.
npm install --prefer-offline --loglevel=error --ignore-scripts \
  "$work/$tarball" "typescript@$TS5" "vitest@$VITEST" "@arethetypeswrong/cli@$ATTW"
built="$root/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
same_version() { node -p "require('$1/package.json').version" 2>/dev/null; }
if [[ -f "$built" && "$(same_version "$root/node_modules/better-sqlite3")" == "$(same_version "$app/node_modules/better-sqlite3")" ]]; then
  mkdir -p "$app/node_modules/better-sqlite3/build/Release"
  cp "$built" "$app/node_modules/better-sqlite3/build/Release/"
  echo "better-sqlite3: the checkout's build for $(node -v)"
else
  (cd "$app" && npm rebuild better-sqlite3 --loglevel=error)
fi
node -e "const D = require('$app/node_modules/better-sqlite3'); new D(':memory:').prepare('select 1').get()"
mkdir -p "$work/ts7"
(cd "$work/ts7" && echo '{ "private": true }' > package.json &&
  npm install --prefer-offline --loglevel=error "typescript@$TS7")
tsc5="$app/node_modules/.bin/tsc"
tsc7="$work/ts7/node_modules/.bin/tsc"
"$tsc5" --version
"$tsc7" --version

step "are the types wrong (ESM-only: node16 from ESM, bundler)"
npx --no-install attw "$work/$tarball" --profile esm-only

step "compile a strict program (tsc --init settings, skipLibCheck off)"
"$tsc5" --init >/dev/null
# tsc --init writes skipLibCheck: true; the consumer here checks the package's declarations too.
cat > tsconfig.build.json <<JSON
{ "extends": "./tsconfig.json",
  "compilerOptions": { "skipLibCheck": false, "rootDir": ".", "outDir": "dist" },
  "files": ["program.ts"] }
JSON
cat > tsconfig.errors.json <<JSON
{ "extends": "./tsconfig.json",
  "compilerOptions": { "skipLibCheck": false, "noEmit": true },
  "include": ["errors"] }
JSON
echo "tsc --init wrote (skipLibCheck is then turned off):"
grep -E '^\s*"(strict|module|target|types|exactOptionalPropertyTypes|skipLibCheck)"' tsconfig.json
for tsc in "$tsc5" "$tsc7"; do
  echo "-- $("$tsc" --version)"
  "$tsc" -p tsconfig.build.json --noEmit --pretty false
  echo "program.ts compiles"
  status=0
  "$tsc" -p tsconfig.errors.json --pretty false > errors.out 2>&1 || status=$?
  if [[ $status == 0 ]]; then echo "errors/ compiled without an error" >&2; exit 1; fi
  node check-errors.mjs errors.out
done
"$tsc5" -p tsconfig.build.json --pretty false

step "source maps carry their sources (src/ is not in the package)"
node -e "
const { readdirSync, readFileSync } = require('node:fs');
const dist = '$app/node_modules/@orion/db/dist';
const maps = readdirSync(dist, { recursive: true }).filter((f) => f.endsWith('.js.map'));
if (maps.length === 0) throw new Error('no source maps in dist/');
for (const f of maps) {
  const map = JSON.parse(readFileSync(dist + '/' + f, 'utf8'));
  const inline = map.sourcesContent ?? [];
  if (inline.length !== map.sources.length || inline.some((s) => typeof s !== 'string'))
    throw new Error(f + ': points at ' + map.sources + ' without its content');
}
console.log(maps.length + ' source maps, each with its TypeScript inline');
"

step "run the program on SQLite, PostgreSQL and PGlite"
node run.mjs "sqlite:///$work/data/orion.db" "$ORION_TEST_POSTGRES_URL" "pglite://memory"

step "the orion-db bin"
export ORION_HOME="$work/home"
version="$(npx --no-install orion-db --version)"
expected="$(node -p "require('$root/package.json').version")"
[[ "$version" == *"$expected"* ]] || { echo "orion-db --version printed '$version', not $expected" >&2; exit 1; }
echo "orion-db --version: $version"
# Read-only on a missing database: it says so, points at upgrade, and creates nothing.
status=0
npx --no-install orion-db status > status.out 2>&1 || status=$?
cat status.out
if [[ $status == 0 ]] || ! grep -q 'orion-db upgrade' status.out || [[ -e "$ORION_HOME" ]]; then
  echo "orion-db status on a missing database: exit $status, or no hint, or it created $ORION_HOME" >&2
  exit 1
fi
npx --no-install orion-db upgrade -y
npx --no-install orion-db status
npx --no-install orion-db history > /dev/null
[[ -f "$ORION_HOME/orion.db" ]] || { echo "upgrade made no $ORION_HOME/orion.db" >&2; exit 1; }
unset ORION_HOME

step "createTestDatabase in a hostile environment"
hostile="$work/hostile-home"
mkdir -p "$hostile"
printf 'active = "default"\n[profiles.default]\nORION_NOT_A_SETTING = "1"\nORION_DATABASE_URL = "mysql://profile"\n' \
  > "$hostile/profiles.toml"
ORION_HOME="$hostile" ORION_DATABASE_URL='mysql://x' ORION_DATABASE_TIMEOUT=abc \
  ORION_DATABASE_POOL_SIZE=-1 npx --no-install vitest run --root "$app" hostile.test.ts

step "consumer check passed"
