#!/usr/bin/env bash
# bench/postgres-ingest: in one run on one PostgreSQL server, Cinder's HTTP ingest into the
# Postgres backend (durable acks, 8 clients) against a raw binary COPY of the same rows into
# the same table layout, and against the multi-row INSERT Logflare uses.
#   bench/postgres-ingest/run.sh [seconds for the HTTP run, default 10] [clients, default 8]
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"
seconds="${1:-10}"; clients="${2:-8}"
scripts/fetch-duckdb.sh
url="$(scripts/postgres.sh)"
cargo build --release -q --workspace
bin="$CARGO_TARGET_DIR/release"
dir=$(mktemp -d); port=47124; token=bench-token; schema="cinder_bench_$$"
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"; psql -q "$url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true' EXIT

CINDER_DATA_DIR="$dir/data" PHX_HTTP_PORT=$port LOGFLARE_PRIVATE_ACCESS_TOKEN=$token LOGFLARE_LOG_LEVEL=warn \
  POSTGRES_BACKEND_URL="$url" POSTGRES_BACKEND_SCHEMA="$schema" "$bin/cinder" >"$dir/server.log" 2>&1 &
pid=$!
until curl -sf "localhost:$port/health" >/dev/null; do sleep 0.1; done
curl -sf -X POST "localhost:$port/api/sources" -H "x-api-key: $token" -H 'content-type: application/json' \
  -d '{"name":"bench"}' >/dev/null
echo "Cinder HTTP -> Postgres backend:"
"$bin/ingest-bench" http "http://localhost:$port" "$token" bench "$clients" 500 "$seconds"
# Wait for the loader to drain, then count what is stored.
sleep 3
stored=$(psql -tA "$url" -c "SELECT count(*) FROM $schema.log_events_$(curl -sf "localhost:$port/api/sources" -H "x-api-key: $token" | sed -E 's/.*"token":"([^"]+)".*/\1/' | tr - _)")
echo "  stored in Postgres: $stored events"
kill $pid; wait $pid 2>/dev/null || true
echo "Baselines (same rows, same table layout, one connection):"
"$bin/ingest-bench" pg-copy "$url" 500 200000
"$bin/ingest-bench" pg-copy "$url" 5000 200000
"$bin/ingest-bench" pg-insert "$url" 500 200000
