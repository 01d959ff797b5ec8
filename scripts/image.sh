#!/usr/bin/env bash
# Builds Cinder's container image, a drop-in for `supabase/logflare`, and prints its tag.
#
#   scripts/image.sh [TAG]          (default: cinder:latest)
#
# Made only of what this machine can reach — no image is pulled from a registry:
#   - a minimal Debian root file system (debootstrap --variant=minbase, with curl for the
#     healthchecks Supabase's tooling runs inside the container), imported with `docker import`
#     as `cinder-base:<recipe>` and kept in $CINDER_IMAGE_CACHE, so it is made once;
#   - the release binary (stripped), DuckDB's library, and the `logflare` shim that
#     `supabase start` calls.
#
# Environment:
#   CINDER_IMAGE_BINARY   a `cinder` binary already built (default: cargo build --release)
#   CINDER_IMAGE_CACHE    where the root file system is kept (default: /var/tmp/cinder-image)
#   CINDER_DEBIAN_MIRROR  the Debian mirror (default: http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:-cinder:latest}"
cache="${CINDER_IMAGE_CACHE:-/var/tmp/cinder-image}"
mirror="${CINDER_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cinder-target}"

# The base: Debian 12, the release the binary is built on (its glibc), with what the
# healthchecks and `supabase start`'s entrypoint run (curl, sh, cat), and an unprivileged user.
suite=bookworm
packages=curl,ca-certificates
uid=1000
workdir=/opt/app/rel/logflare/bin
recipe="$(printf '%s\n' "$suite" "$packages" "$uid" "$workdir" "$(sed -n '/^build_base()/,/^}/p' "$0")" |
    sha256sum | cut -c1-12)"
base="cinder-base:$recipe"

log() { echo "[image $(date +%H:%M:%S)] $*" >&2; }

build_base() {
    local root="$cache/rootfs-$recipe"
    command -v debootstrap >/dev/null || {
        log "apt-get install debootstrap"
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
    }
    rm -rf "$root"
    mkdir -p "$cache"
    log "debootstrap $suite (minbase + $packages) into $root"
    debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
        >"$cache/debootstrap.log" 2>&1 || {
        tail -n 20 "$cache/debootstrap.log" >&2
        exit 1
    }
    chroot "$root" groupadd --gid "$uid" cinder
    chroot "$root" useradd --uid "$uid" --gid "$uid" --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin cinder
    # The data volume, and the working directory `supabase start` writes its run.sh into.
    mkdir -p "$root/data" "$root$workdir"
    chown "$uid:$uid" "$root/data" "$root$workdir"
    # What a server image does not need: documentation, translations, package lists and
    # caches (apt-get update brings the lists back), logs, the build host's resolver and name.
    rm -rf "$root"/usr/share/{doc,man,info,locale}/* "$root"/var/lib/apt/lists/* \
        "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old "$root"/var/log/* \
        "$root"/etc/resolv.conf "$root"/etc/hostname
    tar -C "$root" --numeric-owner -cf "$cache/$recipe.tar" .
    rm -rf "$root"
}

scripts/docker.sh
if ! docker image inspect "$base" >/dev/null 2>&1; then
    [ -f "$cache/$recipe.tar" ] || build_base
    log "docker import $base"
    docker import "$cache/$recipe.tar" "$base" >/dev/null
fi

scripts/fetch-duckdb.sh >&2
duckdb_version="$(sed -n 's/^DUCKDB_VERSION=//p' scripts/fetch-duckdb.sh)"
binary="${CINDER_IMAGE_BINARY:-}"
if [ -z "$binary" ]; then
    log "cargo build --release --bin cinder"
    cargo build --release --bin cinder >&2
    binary="$CARGO_TARGET_DIR/release/cinder"
fi
version="$(env -i "$binary" --version | awk '{print $2}')"

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
strip --strip-all -o "$context/cinder" "$binary"
strip --strip-unneeded -o "$context/libduckdb.so" ".duckdb/$duckdb_version/libduckdb.so"
cp scripts/logflare "$context/logflare"
cat >"$context/Dockerfile" <<EOF
FROM $base
# The system library directory: found by the loader without an ld.so.cache entry.
COPY libduckdb.so /usr/lib/libduckdb.so
COPY cinder /usr/local/bin/cinder
COPY logflare $workdir/logflare
LABEL org.opencontainers.image.title="cinder" \\
      org.opencontainers.image.description="A log-analytics server that speaks Logflare's HTTP API" \\
      org.opencontainers.image.version="$version"
# Listens on every interface of the container (in Supabase mode it would anyway); the data
# directory is a volume.
ENV CINDER_DATA_DIR=/data PHX_HTTP_IP=0.0.0.0
WORKDIR $workdir
USER $uid:$uid
VOLUME /data
EXPOSE 4000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \\
    CMD curl -fsS -o /dev/null "http://127.0.0.1:\${PHX_HTTP_PORT:-4000}/health" || exit 1
CMD ["cinder"]
EOF
# The classic builder when buildx is not installed (Debian's docker.io has none).
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0
log "docker build $tag (cinder $version)"
docker build --tag "$tag" "$context" >"$context/build.log" 2>&1 || {
    cat "$context/build.log" >&2
    exit 1
}
# The previous build of this tag, now untagged, is of no use.
docker image prune --force --filter "label=org.opencontainers.image.title=cinder" >/dev/null
log "$tag: $(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1 / 1e6}')"
echo "$tag"
