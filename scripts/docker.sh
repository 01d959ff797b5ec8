#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the container image's build and tests.
#
# A running engine (Docker Desktop, a system dockerd) is used as it is. Otherwise Debian's
# docker.io is installed when missing and dockerd is started in the background, for host
# networking only (no bridge, no iptables rules: the tests run containers with
# --network host, so their traffic stays on the loopback). Logs go to $CINDER_DOCKERD_LOG.
set -euo pipefail

log_file="${CINDER_DOCKERD_LOG:-/var/tmp/cinder-dockerd.log}"

answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "no Docker engine answers, and starting one needs root: start dockerd (or Docker Desktop) first" >&2
    exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
    echo "Docker is missing: installing docker.io" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq docker.io >&2
fi

start() {
    echo "starting dockerd ($*) — log in $log_file" >&2
    # setsid: the engine outlives this script and is not in its process group.
    setsid dockerd --iptables=false --ip6tables=false --bridge=none "$@" >>"$log_file" 2>&1 </dev/null &
    for _ in $(seq 1 60); do
        answers && return 0
        kill -0 $! 2>/dev/null || return 1
        sleep 0.5
    done
    kill $! 2>/dev/null || true
    return 1
}

# The default storage driver (overlay2) needs a kernel and a file system that allow it; inside
# some sandboxes only vfs works (slower, no sharing between layers, same result).
start || start --storage-driver=vfs || {
    tail -n 20 "$log_file" >&2
    echo "dockerd did not start" >&2
    exit 1
}
