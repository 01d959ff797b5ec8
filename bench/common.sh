# Sourced by the bench scripts that run Cinder's release binary on the embedded default.
# Needs $bin (the release directory); start_cinder sets $pid. BENCH_BINARY runs another binary (a
# baseline build) instead of $bin/cinder.
pid=

# bench_server DIR PORT TOKEN SOURCE: starts Cinder (stopped, and DIR removed, when the script
# exits), creates SOURCE and prints the idle RSS.
bench_server() {
  # shellcheck disable=SC2064 # DIR is fixed now; $pid is read at exit.
  trap "kill \$pid 2>/dev/null || true; rm -rf '$1'" EXIT
  start_cinder "$1" "$2" "$3"
  create_source "$2" "$3" "$4"
  sleep 1
  echo "idle RSS: $(rss VmRSS), of which anonymous: $(anonymous) (the rest is the binary's and the engine's code)"
}

# start_cinder DIR PORT TOKEN: starts Cinder with its data in DIR/data and waits until healthy.
start_cinder() {
  CINDER_DATA_DIR="$1/data" PHX_HTTP_PORT=$2 LOGFLARE_PRIVATE_ACCESS_TOKEN=$3 \
    LOGFLARE_LOG_LEVEL=warn "${BENCH_BINARY:-$bin/cinder}" >"$1/server.log" 2>&1 &
  pid=$!
  until curl -sf "localhost:$2/health" >/dev/null; do
    kill -0 $pid 2>/dev/null || { echo "Cinder did not start:" >&2; head -5 "$1/server.log" >&2; exit 1; }
    sleep 0.1
  done
}

# create_source PORT TOKEN NAME
create_source() {
  curl -sf -X POST "localhost:$1/api/sources" -H "x-api-key: $2" -H 'content-type: application/json' \
    -d "{\"name\":\"$3\"}" >/dev/null
}

# anonymous: Cinder's resident memory that is not mapped from files (code), in MB.
anonymous() {
  awk '$1 == "Anonymous:" {print $2 / 1024 " MB"}' "/proc/$pid/smaps_rollup"
}

# rss VmRSS|VmHWM: Cinder's resident memory now, or at its peak, in MB.
rss() {
  awk -v field="$1:" '$1 == field {print $2 / 1024 " MB"}' "/proc/$pid/status"
}
