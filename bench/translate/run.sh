#!/usr/bin/env bash
# Translation time of every Supabase Studio query, per engine (the target is 1 ms).
# Usage: bench/translate/run.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"
scripts/fetch-duckdb.sh
cargo run --release -q -p cinder-bench --bin translate-bench -- "${1:-200}"
