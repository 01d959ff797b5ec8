#!/usr/bin/env bash
# Vendored from the team toolbox (shared/tools/bigquery-emulator/setup.sh) so that a fresh clone
# can start the BigQuery emulator by itself; `scripts/test.sh` runs `start` (`check` needs the toolbox's other files).
# Run the BigQuery emulator local-bigquery==0.4.0 (needs Python >= 3.13) on a
# Debian 12 host that only has Python 3.11, offline except for package registries.
#
#   setup.sh [start] [PORT]   install what is missing, start on 127.0.0.1:PORT (default 9050),
#                             print the PID (idempotent: an emulator already up is reused)
#   setup.sh install          install only (chroot + venv), start nothing
#   setup.sh stop [PORT]      stop the emulator this script started on PORT (by its PID file)
#   setup.sh umount           unmount ROOT/proc and ROOT/dev (do this before deleting ROOT!)
#   setup.sh check [PORT]     host-side proof: google-cloud-bigquery (Python 3.11 venv in /tmp)
#                             + raw REST calls with curl
#
# Environment:
#   LBQ_MODE=chroot|host   chroot (default): Debian trixie (python3.13) made by debootstrap.
#                          host: use a Python >= 3.13 already on the host (LBQ_PYTHON, or
#                          pyenv's 3.13.x when present); no chroot. Only some machines have one.
#   LBQ_ROOT=/opt/trixie   where the chroot lives
#   LBQ_GRPC_PORT          Storage API gRPC port (default PORT+10)
#   LBQ_STATE=/var/tmp/local-bigquery   PID files, logs, data (data/<PORT>)
#
# Why DuckDB 1.5.5 and not 2.0.0 (what local-bigquery 0.4.0 declares): the emulator needs the
# DuckDB extensions ducklake, icu, json and spatial, which DuckDB fetches from
# extensions.duckdb.org at run time (not reachable here). PyPI has them only up to DuckDB
# 1.5.5 (duckdb-extension-* wheels, official signed binaries), so we pin duckdb==1.5.5 and
# install those wheels; DuckDB finds them in $HOME/.duckdb/extensions/v1.5.5/linux_amd64.
set -euo pipefail

CMD=start
case "${1:-}" in start|install|stop|check|umount) CMD=$1; shift;; esac
PORT=${1:-9050}
GRPC_PORT=${LBQ_GRPC_PORT:-$((PORT + 10))}
MODE=${LBQ_MODE:-chroot}
ROOT=${LBQ_ROOT:-/opt/trixie}
STATE=${LBQ_STATE:-/var/tmp/local-bigquery}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DUCKDB_VERSION=1.5.5
PIDFILE=$STATE/$PORT.pid
LOG=$STATE/$PORT.log
DATA=$STATE/data/$PORT
mkdir -p "$STATE"

# Exact versions that were tested together (pip install --no-deps: duckdb==1.5.5 contradicts
# local-bigquery's declared duckdb>=2.0.0, so pip must not resolve).
LOCK='annotated-doc==0.0.7 annotated-types==0.8.0 anyio==4.16.0 certifi==2026.10.18
cffi==2.1.1 charset-normalizer==3.5.2 click==8.5.1 cryptography==50.0.2 duckdb==1.5.5
duckdb-extension-ducklake==1.5.5 duckdb-extension-fts==1.5.5 duckdb-extension-icu==1.5.5
duckdb-extension-inet==1.5.5 duckdb-extension-json==1.5.5 duckdb-extension-spatial==1.5.5
duckdb-extension-vss==1.5.5 fastapi==0.165.0 fastavro==1.13.1 google-api-core==2.44.0
google-auth==2.62.2 google-cloud-bigquery-storage==2.43.0 googleapis-common-protos==1.76.0
grpcio==1.85.1 grpcio-status==1.85.1 h11==0.16.0 idna==3.20 local-bigquery==0.4.0
mini-racer==0.14.1 numpy==2.5.5 opentelemetry-api==1.45.2 prompt_toolkit==3.0.53
proto-plus==1.29.0 protobuf==7.36.2 pyarrow==26.0.1 pyasn1==0.6.5 pyasn1_modules==0.4.2
pycparser==3.12 pydantic==2.14.3 pydantic-settings==2.16.3 pydantic_core==2.50.4
Pygments==2.21.0 python-dotenv==1.2.4 requests==2.34.2 sqlglot==30.30.0 starlette==1.10.0
typing-inspection==0.4.5 typing_extensions==4.16.0 urllib3==2.8.0 uvicorn==0.54.0 wcwidth==0.9.4'

log() { echo "[setup $(date +%T)] $*" >&2; }
url() { echo "http://127.0.0.1:$PORT/bigquery/v2/projects/local/datasets"; }
up() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(url)" || true)" = 200 ]; }
alive() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# ---------------------------------------------------------------- install
in_root() { # run a shell command inside the chroot with a clean environment
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive PIP_CERT=/etc/ssl/host-ca.crt PIP_DEFAULT_TIMEOUT=180 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 sh -c "$1"
}

mount_root() {
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  mountpoint -q "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
  cp -f /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # the host's CA bundle, in case registry TLS goes through a local CA
  cp -f /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/host-ca.crt"
}

install_chroot() {
  if [ ! -f "$ROOT/.lbq-base-ok" ]; then
    if [ -x "$ROOT/usr/bin/apt-get" ] && [ -z "$(chroot "$ROOT" dpkg --audit 2>&1)" ]; then
      touch "$ROOT/.lbq-base-ok"   # made earlier by hand or by an interrupted run that finished
    else
      command -v debootstrap >/dev/null || {
        log "apt-get install debootstrap"
        apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
      log "debootstrap trixie into $ROOT (about 75 s)"
      mkdir -p "$ROOT"
      debootstrap --variant=minbase trixie "$ROOT" http://deb.debian.org/debian >"$STATE/debootstrap.log" 2>&1 \
        || { tail -20 "$STATE/debootstrap.log" >&2; exit 1; }
      touch "$ROOT/.lbq-base-ok"
    fi
  fi
  mkdir -p "$ROOT/etc/ssl"
  mount_root
  if [ ! -x "$ROOT/usr/bin/python3.13" ] || [ ! -f "$ROOT/usr/lib/python3.13/venv/__init__.py" ]; then
    log "apt-get install python3 python3-venv in the chroot (about 25 s)"
    in_root 'apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates >/dev/null'
  fi
  VENV_IN=/opt/lbq; HOME_IN=/opt/lbq-home
  VENV=$ROOT$VENV_IN; LBQ_HOME=$ROOT$HOME_IN
  if [ "$(cat "$VENV/.lbq-lock" 2>/dev/null)" != "$LOCK" ]; then
    log "pip install local-bigquery==0.4.0 + duckdb $DUCKDB_VERSION extensions into $VENV (about 45 s)"
    in_root "[ -x $VENV_IN/bin/python ] || python3 -m venv $VENV_IN; $VENV_IN/bin/pip install -q --no-deps $(echo $LOCK)"
    printf '%s' "$LOCK" > "$VENV/.lbq-lock"
  fi
  link_extensions "$VENV" "$LBQ_HOME"
  SERVER_HOME=$HOME_IN
}

install_host() {
  PY=${LBQ_PYTHON:-}
  if [ -z "$PY" ]; then   # pyenv shims exist even when the version is not selected: run each
    for c in /root/.pyenv/versions/3.1[3-9]*/bin/python3 python3.15 python3.14 python3.13; do
      "$c" -c 'import sys; sys.exit(sys.version_info < (3, 13))' >/dev/null 2>&1 && PY=$c && break
    done
  fi
  [ -n "$PY" ] && "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 13))' \
    || { log "LBQ_MODE=host needs a Python >= 3.13 (set LBQ_PYTHON); none found"; exit 1; }
  VENV=${LBQ_HOST_VENV:-/opt/local-bigquery-venv}; LBQ_HOME=${LBQ_HOST_HOME:-/opt/local-bigquery-home}
  if [ "$(cat "$VENV/.lbq-lock" 2>/dev/null)" != "$LOCK" ]; then
    log "pip install into $VENV with $PY"
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install -q --no-deps $LOCK
    printf '%s' "$LOCK" > "$VENV/.lbq-lock"
  fi
  link_extensions "$VENV" "$LBQ_HOME"
  SERVER_HOME=$LBQ_HOME
}

link_extensions() { # venv-on-host  home-on-host
  local sp dir f target
  sp=$(echo "$1"/lib/python3.*/site-packages)
  dir=$2/.duckdb/extensions/v$DUCKDB_VERSION/linux_amd64
  mkdir -p "$dir"
  for f in "$sp"/duckdb_extension_*/extensions/v$DUCKDB_VERSION/*.duckdb_extension; do
    target=$f; [ "$MODE" = chroot ] && target=${f#"$ROOT"}   # as the server sees it
    ln -sfn "$target" "$dir/${f##*/}"
  done
}

install_all() {
  command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
  case "$MODE" in chroot) install_chroot;; host) install_host;; *) log "bad LBQ_MODE=$MODE"; exit 2;; esac
}

# ---------------------------------------------------------------- start / stop
start() {
  # One start at a time per port: a second one waits, then finds the first one's server (the
  # server itself does not inherit the lock).
  mkdir -p "$STATE"; exec 9>"$STATE/$PORT.lock"; flock 9
  if alive && up; then log "already running on 127.0.0.1:$PORT"; cat "$PIDFILE"; return 0; fi
  if up; then log "port $PORT already serves BigQuery but not from $PIDFILE; refusing"; exit 1; fi
  local t0=$(date +%s%N) args pid
  install_all
  local t1=$(date +%s%N)
  mkdir -p "$DATA"
  args="serve --host 127.0.0.1 --port $PORT --grpc-port $GRPC_PORT"
  if [ "$MODE" = chroot ]; then
    mkdir -p "$ROOT/var/lib/local-bigquery/$PORT"
    setsid chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME="$SERVER_HOME" LANG=C.UTF-8 \
      /opt/lbq/bin/local-bigquery $args --data-dir "/var/lib/local-bigquery/$PORT" \
      >"$LOG" 2>&1 </dev/null 9>&- &
  else
    setsid env -i PATH=/usr/bin:/bin HOME="$SERVER_HOME" LANG=C.UTF-8 \
      "$VENV/bin/local-bigquery" $args --data-dir "$DATA" >"$LOG" 2>&1 </dev/null 9>&- &
  fi
  pid=$!
  echo "$pid" > "$PIDFILE"
  for _ in $(seq 1 600); do
    up && break
    kill -0 "$pid" 2>/dev/null || { log "emulator exited; log:"; tail -30 "$LOG" >&2; exit 1; }
    sleep 0.1
  done
  up || { log "not up after 60 s; log: $LOG"; exit 1; }
  local t2=$(date +%s%N)
  log "install/check $(( (t1 - t0) / 1000000 )) ms, startup $(( (t2 - t1) / 1000000 )) ms;" \
      "REST http://127.0.0.1:$PORT  gRPC 127.0.0.1:$GRPC_PORT  log $LOG"
  echo "$pid"
}

stop() {
  if alive; then kill "$(cat "$PIDFILE")"; log "stopped $(cat "$PIDFILE")"; rm -f "$PIDFILE"
  else log "nothing running from $PIDFILE"; fi
}

check() {
  local V=/tmp/bq-client-venv
  up || { log "nothing answers on 127.0.0.1:$PORT"; exit 1; }
  [ -x $V/bin/python ] && $V/bin/python -c 'import google.cloud.bigquery' 2>/dev/null || {
    log "creating $V with google-cloud-bigquery (host python3)"
    python3 -m venv $V && $V/bin/pip install -q google-cloud-bigquery; }
  $V/bin/python "$HERE/client_check.py" "http://127.0.0.1:$PORT"
  bash "$HERE/rest_examples.sh" "http://127.0.0.1:$PORT" > "$STATE/rest_examples.$PORT.txt"
  log "$(grep -c '^\[HTTP 2' "$STATE/rest_examples.$PORT.txt") REST calls answered 2xx; transcript: $STATE/rest_examples.$PORT.txt"
}

case "$CMD" in
  install) install_all;;
  start) start;;
  stop) stop;;
  check) check;;
  umount)
    for m in dev proc; do mountpoint -q "$ROOT/$m" && umount "$ROOT/$m"; done
    if grep -q " $ROOT/" /proc/mounts; then log "still mounted under $ROOT"; exit 1; fi
    log "nothing mounted under $ROOT";;
esac
