#!/usr/bin/env bash
# bench/studio: Supabase Studio's queries over a day of Supabase-shaped events. Starts Cinder
# (release build, Supabase mode, embedded backend), ingests EVENTS events over the last 24 hours
# into the nine Supabase sources (half of them API gateway logs), runs every query of the Studio
# corpus through logs.all as Studio sends it (three times each), stops Cinder, and runs the same
# questions hand-written for DuckDB on its database file, in the same run. Prints ingest rate,
# RSS, per-query times, p50/p90/max, and the hand-written ratios.
#   bench/studio/run.sh [events, default 10000000] [clients, default 4]
# With STUDIO_KEEP=1 the data directory is kept (and its path printed), to query it again.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"
events="${1:-10000000}"; clients="${2:-4}"
scripts/fetch-duckdb.sh
cargo build --release -q -p cinder-server -p cinder-bench
bin="$CARGO_TARGET_DIR/release"
dir=$(mktemp -d -p "${TMPDIR:-/var/tmp}"); port=47124; public=studio-public; private=studio-private
trap 'kill $pid 2>/dev/null || true; if [ -n "${STUDIO_KEEP:-}" ]; then echo "kept: $dir"; else rm -rf "$dir"; fi' EXIT

CINDER_DATA_DIR="$dir/data" PHX_HTTP_PORT=$port LOGFLARE_SINGLE_TENANT=true LOGFLARE_SUPABASE_MODE=true \
  LOGFLARE_PUBLIC_ACCESS_TOKEN=$public LOGFLARE_PRIVATE_ACCESS_TOKEN=$private LOGFLARE_LOG_LEVEL=warn \
  "$bin/cinder" >"$dir/server.log" 2>&1 &
pid=$!
until curl -sf "localhost:$port/health" >/dev/null; do sleep 0.1; done
sleep 1
echo "idle RSS (Supabase mode): $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$pid/status)"
"$bin/studio-bench" ingest "http://localhost:$port" $public "$events" "$clients"
"$bin/studio-bench" wait "http://localhost:$port" $private "$events"
echo "peak RSS during ingest: $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$pid/status)"
echo "database: $(du -sh "$dir/data" | cut -f1)"
"$bin/studio-bench" queries "http://localhost:$port" $private "$dir/cinder.json"
echo "RSS after the queries: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$pid/status)"
kill $pid; wait $pid 2>/dev/null || true
"$bin/studio-bench" baseline "$dir/data/cinder.duckdb" "$dir/cinder.json"
