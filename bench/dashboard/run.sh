#!/usr/bin/env bash
# bench/dashboard: server-side time of each dashboard page (HTML with every query it runs)
# over EVENTS events of the last 24 hours on the embedded backend, in process.
#   bench/dashboard/run.sh [events, default 10000000] [data dir: kept, and reused next time]
# Ingesting 10 M events takes about 15 minutes on two cores; keep the directory to re-measure.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"
scripts/fetch-duckdb.sh
cargo run --release -q -p cinder-bench --bin dashboard-bench -- "${1:-10000000}" ${2:+"$2"}
