#!/usr/bin/env bash
# The one test command (README's second command; .ci/run calls it too).
# Installs what the tests need when it is missing: npm dependencies now;
# Debian packages (chromium, docker.io, iptables) join here as tests need them.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use, installed when missing (as root)
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v iptables >/dev/null || need+=(iptables)
command -v ip >/dev/null || need+=(iproute2)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v dockerd >/dev/null || need+=(docker.io)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test: installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "test: missing ${need[*]}; the tests that need them will fail" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

echo "test: type-checking (Node code, then the pages' scripts)"
npx tsc -p tsconfig.json --noEmit
npx tsc -p packages/coordinator/src/browser/tsconfig.json --noEmit

# Biome: the formatter, the linter, and no import cycle (lint/suspicious/noImportCycles),
# across files and across the workspace's packages; then no source file over 400 lines
echo "test: format, lint and import cycles (biome ci)"
npx biome ci --colors=off --error-on-warnings
long=$(git ls-files '*.ts' '*.mjs' | xargs wc -l | awk '$2 != "total" && $1 > 400 { print $2 " (" $1 " lines)" }')
if [ -n "$long" ]; then
  echo "test: files over 400 lines: $long" >&2
  exit 1
fi

echo "test: building the volley CLI"
node scripts/build.mjs

# Node's LTS lines from the npm registry (scripts/node-line.sh). The unit
# tests on two lines at a time (each uses every core, so no more); then the
# e2e tests on the newest line and on this machine's Node side by side (they
# leave about half the machine idle: they wait on runs of fixed length);
# then the core e2e tests on the older lines, side by side.
node26=$(scripts/node-line.sh 26)
node24=$(scripts/node-line.sh 24)
node22=$(scripts/node-line.sh 22)
machine=$(command -v node)
CORE_E2E=(test/e2e/accounting.test.ts test/e2e/distributed.test.ts test/e2e/faults.test.ts test/e2e/thresholds.test.ts test/e2e/k6-compat.test.ts test/e2e/k6-cli.test.ts)

mkdir -p test-artifacts
rm -f test-artifacts/vitest*.json test-artifacts/suite-*.log
# suite LABEL NODE ARGS…: vitest on that Node (and every process it starts: they use its execPath, or `node` on the PATH)
suite() {
  local label=$1 node=$2
  shift 2
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run "$@" \
    --reporter=default --reporter=json --outputFile.json="test-artifacts/vitest-$label.json" > "test-artifacts/suite-$label.log" 2>&1
}
status=0
echo "test: unit tests on this machine's Node ($("$machine" --version)) and $("$node26" --version), then on $("$node24" --version) and $("$node22" --version), two lines at a time"
suite unit-machine "$machine" --project unit & a=$!
suite unit-node26 "$node26" --project unit & b=$!
wait $a || status=$?
wait $b || status=$?
suite unit-node24 "$node24" --project unit & a=$!
suite unit-node22 "$node22" --project unit & b=$!
wait $a || status=$?
wait $b || status=$?
# side by side, the tests that measure the generator's own CPU cannot hold (test/helpers.ts CPU_SHARED): they run alone after
echo "test: end-to-end tests on this machine's Node and on Node 26, side by side"
export VOLLEY_TEST_CPU_SHARED=1
suite e2e-machine "$machine" --project e2e & a=$!
suite e2e-node26 "$node26" --project e2e & b=$!
wait $a || status=$?
wait $b || status=$?
echo "test: core end-to-end tests on Node 24 and 22, side by side"
suite e2e-node24 "$node24" --project e2e "${CORE_E2E[@]}" & a=$!
suite e2e-node22 "$node22" --project e2e "${CORE_E2E[@]}" & b=$!
wait $a || status=$?
wait $b || status=$?
unset VOLLEY_TEST_CPU_SHARED
echo "test: the tests that measure the generator's own CPU, alone, on this machine's Node and on Node 26"
suite solo-machine "$machine" --project e2e -t 'measures its own CPU' || status=$?
suite solo-node26 "$node26" --project e2e -t 'measures its own CPU' || status=$?
for f in test-artifacts/suite-*.log; do
  echo "test: ${f#test-artifacts/suite-}" | sed 's/\.log$//'
  # what failed, in full; of the rest, the closing lines
  if grep -q ' FAIL ' "$f"; then cat "$f"; else tail -6 "$f"; fi
done

# containers: dockerd in its own network namespace, the image built from
# deploy/Dockerfile on a base made from Node 26's binary (no registry)
if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
  echo "test: container tests (dockerd in a network namespace)"
  cstatus=0
  DOCKER_HOST=$(scripts/docker-lab.sh start) || cstatus=$?
  if [ "$cstatus" = 0 ]; then
    export DOCKER_HOST
    trap 'scripts/docker-lab.sh stop' EXIT
    { scripts/docker-base-image.sh node:26-bookworm-slim "$node26" && docker build -q -f deploy/Dockerfile -t volley:test . >/dev/null \
      && TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost nsenter --net=/run/netns/volley-docker \
         npx vitest run --project containers --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest-containers.json; } || cstatus=$?
  fi
  [ "$cstatus" = 0 ] || status=$cstatus
else
  echo "test: container tests skipped (they need root and dockerd)"
fi

# the plain closing line CI reads: "N passed, N failed"
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync("test-artifacts").filter((n) => /^vitest.*\.json$/.test(n)).map((n) => "test-artifacts/" + n)) {
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
    // a solo suite selects a few tests by name: the rest are not skipped, they ran in the others
    if (!f.includes("vitest-solo-")) skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit "$status"
