#!/usr/bin/env bash
# Puts DuckDB's prebuilt shared library where the build expects it (`.duckdb/<version>/`, the
# DUCKDB_LIB_DIR of .cargo/config.toml). Compiling DuckDB's C++ from source takes over 40
# minutes on a 2-core machine; the official build of the same release, as published on the npm
# registry by the DuckDB project (@duckdb/node-bindings-*), takes seconds to fetch. npm checks
# the package against the registry's integrity hash.
#
# The version must match the `duckdb` crate in Cargo.toml (crate 1.MMmmpp.x = DuckDB M.m.p).
set -euo pipefail
cd "$(dirname "$0")/.."

DUCKDB_VERSION=1.5.6
PACKAGE_REVISION=r.1
DEST=".duckdb/${DUCKDB_VERSION}"

if [ -f "${DEST}/libduckdb.so" ]; then
    exit 0
fi
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x64 ;;
    Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
    *)
        echo "no prebuilt DuckDB for $(uname -s)-$(uname -m): put libduckdb ${DUCKDB_VERSION} in ${DEST}" >&2
        exit 1
        ;;
esac
if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed to fetch DuckDB's prebuilt library: install Node.js and npm first" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
echo "fetching DuckDB ${DUCKDB_VERSION} (${platform}) from the npm registry"
(cd "${work}" && npm pack --silent "@duckdb/node-bindings-${platform}@${DUCKDB_VERSION}-${PACKAGE_REVISION}" >/dev/null)
tar -xzf "${work}"/*.tgz -C "${work}" package/libduckdb.so package/LICENSE
mkdir -p "${DEST}"
mv "${work}/package/LICENSE" "${DEST}/LICENSE"
mv "${work}/package/libduckdb.so" "${DEST}/libduckdb.so"
echo "DuckDB ${DUCKDB_VERSION} is in ${DEST}"
