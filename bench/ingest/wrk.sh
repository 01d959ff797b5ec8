#!/usr/bin/env bash
# bench/ingest/wrk.sh: Cinder's durable HTTP ingest measured with `wrk` (apt-get install wrk), as
# a user would: the release binary on the embedded default, one source, batches of BATCH
# Supabase-shaped API gateway events (about 580 bytes each) POSTed over CLIENTS keep-alive
# connections for SECONDS. Answers other than 200 (429 when the loader is behind) are not
# counted as events. Prints events/s, MB/s, latency, idle and peak RSS, and the rate at which
# the loader had stored everything (accepted is not the same as stored), then RSS as the server
# sits idle after the load, and the peak again once the engine has made its idle checkpoint
# (which takes memory outside the engine's limit).
#   bench/ingest/wrk.sh [seconds, default 20] [clients, default 4] [batch, default 500]
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"
seconds="${1:-20}"; clients="${2:-4}"; batch="${3:-500}"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
scripts/fetch-duckdb.sh
cargo build --release -q -p cinder-server -p cinder-bench
bin="$CARGO_TARGET_DIR/release"
dir=$(mktemp -d -p "${TMPDIR:-/var/tmp}"); port=47127; token=bench-token
source bench/common.sh
bench_server "$dir" $port $token bench

"$bin/ingest-bench" body "$batch" >"$dir/body.json"
body_bytes=$(stat -c %s "$dir/body.json")
cat >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-api-key"] = "$token"
local file = io.open("$dir/body.json", "rb")
wrk.body = file:read("*a")
file:close()
LUA
threads=$(( clients < 2 ? clients : 2 ))
wrk -t"$threads" -c"$clients" -d"${seconds}s" --latency -s "$dir/post.lua" \
  "http://localhost:$port/api/logs?source_name=bench" >"$dir/wrk.txt"
sent_at=$(date +%s.%N)
cat "$dir/wrk.txt"
requests=$(awk '/requests in/ {print $1}' "$dir/wrk.txt")
refused=$(awk '/Non-2xx or 3xx responses/ {print $5}' "$dir/wrk.txt"); refused=${refused:-0}
accepted=$(( (requests - refused) * batch ))
# Wait until the loader has stored every accepted event.
until [ "$(curl -sf -G "localhost:$port/api/query" -H "x-api-key: $token" \
  --data-urlencode 'sql=select count(*) as n from `bench`' | sed 's/[^0-9]//g')" -ge "$accepted" ]; do sleep 0.2; done
stored_at=$(date +%s.%N)
awk -v a="$accepted" -v s="$seconds" -v b="$body_bytes" -v n="$batch" -v r="$refused" -v q="$requests" \
  -v c="$clients" -v lag="$(echo "$stored_at - $sent_at" | bc)" 'BEGIN {
  printf "wrk clients=%s batch=%s: %.0f events/s accepted, %.1f MB/s, %d requests (%d answered 429), %.0f bytes/event\n", c,
    n, a / s, a * (b / n) / s / 1e6, q, r, b / n;
  printf "stored: every event %.1f s after the last request: %.0f events/s end to end\n", lag, a / (s + lag) }'
echo "peak RSS during the load: $(rss VmHWM)"
sleep 5; echo "RSS 5 s after everything was stored: $(rss VmRSS)"
sleep 25; echo "RSS 30 s after: $(rss VmRSS), of which anonymous (not the binary's pages): $(anonymous)"
echo "peak RSS, including the checkpoint an idle server makes: $(rss VmHWM)"
