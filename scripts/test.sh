#!/usr/bin/env bash
# Runs every test of the workspace. This is the README's test command and what CI runs.
#
# Tests build in release mode, so one build serves the server, the tests and the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is missing: install Rust (https://rustup.rs) first" >&2
    exit 1
fi
scripts/fetch-duckdb.sh
# Tests against PostgreSQL run against a real server: installed if missing, started here.
CINDER_TEST_DATABASE_URL="$(scripts/postgres.sh)"
export CINDER_TEST_DATABASE_URL

cargo test --release --workspace -- --include-ignored "$@"
