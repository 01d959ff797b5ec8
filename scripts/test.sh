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
# Tests against PostgreSQL run against a real server: installed if missing, started here, with
# TLS on (a private CA, for the sslmode tests).
CINDER_TEST_DATABASE_URL="$(scripts/postgres.sh)"
export CINDER_TEST_DATABASE_URL
export CINDER_TEST_DATABASE_CA="${CINDER_PG_DIR:-/var/tmp/cinder-postgres}.tls/ca.crt"

# Tests against BigQuery run against a local emulator (local-bigquery in a Debian chroot):
# installed if missing (about two minutes the first time), started here.
bigquery_port="${CINDER_BQ_PORT:-9050}"
scripts/bigquery-emulator/setup.sh start "$bigquery_port" >/dev/null
export CINDER_TEST_BIGQUERY_URL="http://127.0.0.1:$bigquery_port"

# The dashboard's browser tests drive Debian's headless Chromium over WebDriver: both packages
# of one build, installed if missing (the tests fail, not skip, without them).
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        echo "chromium and chromedriver are missing: run 'apt-get install -y chromium chromium-driver' first" >&2
        exit 1
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
fi

# The syslog tests send with util-linux's logger (always there) and through rsyslog.
if ! command -v rsyslogd >/dev/null 2>&1 && ! [ -x /usr/sbin/rsyslogd ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "rsyslog is missing: run 'apt-get install -y rsyslog' first" >&2
        exit 1
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsyslog >&2
fi
export PATH="$PATH:/usr/sbin"

# The metrics test parses scrapes with the Prometheus project's Python client, and the bulk API
# Loki and OTLP tests send with Elasticsearch's client, python-logging-loki and the
# OpenTelemetry SDK, and the S3 drain's test stores into moto's S3 server, all from PyPI, in a
# venv of its own.
venv=/var/tmp/cinder-venv
if ! "$venv/bin/python" -c 'import prometheus_client, elasticsearch, logging_loki, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc, moto.server, boto3' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'prometheus_client==0.26.0' 'elasticsearch==8.17.2' 'python-logging-loki==0.3.1' \
        'opentelemetry-sdk==1.39.1' 'opentelemetry-exporter-otlp-proto-http==1.39.1' \
        'opentelemetry-exporter-otlp-proto-grpc==1.39.1' 'moto[server]==5.1.22' 'boto3==1.44.8'
fi
export CINDER_TEST_PYTHON="$venv/bin/python"

# The container image's tests build it and run it in a Docker engine: docker.io is installed
# and dockerd started when no engine answers.
scripts/docker.sh

# The unmodified Logflare client libraries some tests drive, from the npm registry.
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        echo "npm is missing: run 'apt-get install -y nodejs npm' first" >&2
        exit 1
    fi
    apt-get update -qq >&2
    apt-get install -y -qq nodejs npm >&2
fi
if [ ! -d tests/clients/node_modules ] || [ tests/clients/package-lock.json -nt tests/clients/node_modules ]; then
    npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error
    touch tests/clients/node_modules
fi

cargo test --release --workspace --no-fail-fast -- --include-ignored "$@"

# Coverage-guided fuzzing of the network decoders, bounded (CINDER_FUZZ_SECONDS per target,
# 20 here; 0 skips it). Only for a whole run: a filtered one (arguments given) skips it.
if [ "$#" -eq 0 ] && [ "${CINDER_FUZZ_SECONDS:-20}" != 0 ]; then
    CINDER_FUZZ_SECONDS="${CINDER_FUZZ_SECONDS:-20}" scripts/fuzz.sh
fi
