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
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json || status=$?

# the plain closing line CI reads: "N passed, N failed"
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit "$status"
