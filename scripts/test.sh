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

echo "test: type-checking"
npx tsc -p tsconfig.json --noEmit

echo "test: building the volley CLI"
node scripts/build.mjs

echo "test: unit and end-to-end tests"
mkdir -p test-artifacts
rm -f test-artifacts/vitest*.json
status=0
npx vitest run --project unit --project e2e --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json || status=$?

# containers: dockerd in its own network namespace, the image built from
# deploy/Dockerfile on a base made from this machine's node (no registry)
if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
  echo "test: container tests (dockerd in a network namespace)"
  cstatus=0
  DOCKER_HOST=$(scripts/docker-lab.sh start) || cstatus=$?
  if [ "$cstatus" = 0 ]; then
    export DOCKER_HOST
    trap 'scripts/docker-lab.sh stop' EXIT
    { scripts/docker-base-image.sh && docker build -q -f deploy/Dockerfile -t volley:test . >/dev/null \
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
  for (const f of ["test-artifacts/vitest.json", "test-artifacts/vitest-containers.json"]) {
    if (!fs.existsSync(f)) continue;
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit "$status"
