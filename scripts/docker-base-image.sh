#!/usr/bin/env bash
# No image registry is reachable here: make the Dockerfile's base image from
# a node binary (default: Node 26's, scripts/node-line.sh) and the libraries
# it links, tagged as the base.
set -euo pipefail
tag=${1:-node:26-bookworm-slim}
node=${2:-$("$(dirname "$0")/node-line.sh" 26)}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/tmp" "$root/etc" "$root/lib64" "$root/lib/x86_64-linux-gnu"
cp "$node" "$root/usr/bin/node"
for lib in $(ldd "$node" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/false\nvolley:x:10001:10001:volley:/tmp:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nvolley:x:10001:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/bin' - "$tag" >/dev/null
echo "base image $tag made from $node ($("$node" --version))"
