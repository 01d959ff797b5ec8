#!/usr/bin/env bash
# Builds and runs Cinder on the embedded store (the README's run command). Arguments go to
# `cinder`; configuration comes from the environment (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-duckdb.sh
exec cargo run --release --bin cinder -- "$@"
