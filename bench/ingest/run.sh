#!/usr/bin/env bash
# bench/ingest: Cinder's HTTP ingest with durable acks (JSON, and OTLP/HTTP protobuf) vs. the same events written straight
# into the embedded engine, in one run on this machine. Prints events/s, MB/s, p50/p99 request
# latency, idle and peak RSS.
#   bench/ingest/run.sh [seconds per run, default 10] [clients, default 8]
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"
seconds="${1:-10}"; clients="${2:-8}"
scripts/fetch-duckdb.sh
cargo build --release -q --workspace
bin="$CARGO_TARGET_DIR/release"
dir=$(mktemp -d); port=47123; token=bench-token
source bench/common.sh
bench_server "$dir" $port $token bench
for batch in 100 500; do
  "$bin/ingest-bench" http "http://localhost:$port" "$token" bench "$clients" "$batch" "$seconds"
done
# The same events as OTLP/HTTP protobuf log exports, into a source of their own.
create_source $port $token bench-otlp
"$bin/ingest-bench" otlp "http://localhost:$port" "$token" bench-otlp "$clients" 500 "$seconds"
echo "peak RSS: $(rss VmHWM)"
kill $pid; wait $pid 2>/dev/null || true
for batch in 100 500 10000; do
  "$bin/ingest-bench" direct "$dir" "$batch" 500000
done
