#!/usr/bin/env bash
# Makes sure a PostgreSQL server for the tests is running, with TLS on, and prints its URL.
# `scripts/postgres.sh stop` stops it (tests use it to restart the server mid-ingest).
#
# Installs PostgreSQL from the distribution's packages when it is missing, then starts a
# private cluster (trust auth, 127.0.0.1 only) in $CINDER_PG_DIR. Idempotent: a cluster that
# is already running is reused. Logs go to $CINDER_PG_DIR.log.
set -euo pipefail

dir="${CINDER_PG_DIR:-/var/tmp/cinder-postgres}"
port="${CINDER_PG_PORT:-55432}"

find_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

bin="$(find_bin)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL is missing: installing it" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "cannot install PostgreSQL without root: run 'apt-get install -y postgresql' first" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bin="$(find_bin)"
fi

# initdb refuses to run as root: run the cluster as the postgres user then.
run() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [ "${1:-}" = stop ]; then
    run "$bin/pg_ctl" -D "$dir" -m fast -w stop >&2
    exit 0
fi

if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    run "$bin/initdb" -D "$dir" -A trust -U postgres -E UTF8 >&2
fi
if ! run "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    touch "$dir.log"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir.log"
    run "$bin/pg_ctl" -D "$dir" -l "$dir.log" -w \
        -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
fi

# TLS for the tests of sslmode: a private CA and a server certificate for `localhost` (not for
# 127.0.0.1, so that verify-full can be seen to check the name), in $dir.tls; ca.crt is what
# clients trust. Turned on with a reload, so a cluster started earlier gets it too.
tls="$dir.tls"
if [ ! -f "$tls/server.key" ]; then
    mkdir -p "$tls"
    openssl req -x509 -new -nodes -newkey rsa:2048 -days 3650 -subj "/CN=cinder test CA" \
        -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
    openssl req -new -nodes -newkey rsa:2048 -subj "/CN=localhost" \
        -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost\n' > "$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
        -CAcreateserial -days 3650 -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
    chmod 600 "$tls/server.key"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$tls"
fi
psql_admin() { "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA -c "$1"; }
if [ "$(psql_admin 'SHOW ssl')" != on ]; then
    psql_admin "ALTER SYSTEM SET ssl_cert_file = '$tls/server.crt'" >&2
    psql_admin "ALTER SYSTEM SET ssl_key_file = '$tls/server.key'" >&2
    psql_admin "ALTER SYSTEM SET ssl = on" >&2
    psql_admin "SELECT pg_reload_conf()" >/dev/null
fi

echo "postgres://postgres@127.0.0.1:$port/postgres"
