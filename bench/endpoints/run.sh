#!/usr/bin/env bash
# bench/endpoints: endpoint calls in process (through the HTTP router, without a socket) over
# EVENTS stored events on the embedded backend: a cached endpoint and the same query uncached.
#   bench/endpoints/run.sh [events, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"
scripts/fetch-duckdb.sh
cargo run --release -q -p cinder-bench --bin endpoints-bench -- "${1:-1000000}"
