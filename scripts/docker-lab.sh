#!/usr/bin/env bash
# dockerd in a network namespace of its own (nsenter, not `ip netns exec`,
# which hides the cgroup mounts), with its bridges on lab addresses
# (198.18.0.0/15, blackholed in the root namespace first) so that nothing
# the containers do can leave the machine.
#   scripts/docker-lab.sh start   → prints DOCKER_HOST
#   scripts/docker-lab.sh stop
set -euo pipefail
ns=volley-docker
run=/run/volley-docker
case "${1:-}" in
  start)
    ip route add blackhole 198.18.0.0/15 2>/dev/null || true
    ip netns add "$ns" 2>/dev/null || true
    ip -n "$ns" link set lo up
    mkdir -p "$run"
    nsenter --net=/run/netns/$ns dockerd --host "unix://$run/docker.sock" --data-root /var/lib/volley-docker \
      --exec-root "$run/exec" --pidfile "$run/docker.pid" --bip 198.18.100.1/24 \
      --default-address-pool base=198.18.128.0/17,size=24 > "$run/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      docker -H "unix://$run/docker.sock" info >/dev/null 2>&1 && { echo "unix://$run/docker.sock"; exit 0; }
      sleep 0.5
    done
    echo "dockerd did not start; see $run/dockerd.log" >&2
    exit 1
    ;;
  stop)
    [ -f "$run/docker.pid" ] && kill "$(cat "$run/docker.pid")" 2>/dev/null || true
    for _ in $(seq 1 40); do [ -f "$run/docker.pid" ] && kill -0 "$(cat "$run/docker.pid")" 2>/dev/null || break; sleep 0.25; done
    ip netns del "$ns" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
