#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz, libFuzzer, AddressSanitizer) of every decoder that takes
# bytes from the network: ingest request bodies (every route, content type and encoding), BERT,
# syslog, LQL, SQL, endpoint queries with a caller's `sql=` and `@params`.
#
# Each target starts from its committed seeds (fuzz/corpus/<target>, which also keep every input
# that once crashed) and runs for CINDER_FUZZ_SECONDS (30) each; what it finds new goes to a
# scratch directory, not into the repository. A crash fails the run and leaves its input in
# fuzz/artifacts/<target>/: add it to fuzz/corpus/<target> and a unit test beside the fix.
#
#   scripts/fuzz.sh                 # every target, 30 s each
#   CINDER_FUZZ_SECONDS=600 scripts/fuzz.sh sql lql
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${CINDER_FUZZ_SECONDS:-30}"
export CARGO_TARGET_DIR="${CINDER_FUZZ_TARGET_DIR:-/var/tmp/cinder-fuzz-target}"
# cargo fuzz passes -Z flags (the sanitizer); the stable toolchain takes them with this, and
# ships the sanitizer runtimes, so no nightly toolchain is needed.
export RUSTC_BOOTSTRAP=1

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz from crates.io (about two minutes)"
    cargo install cargo-fuzz --locked --version 0.13.2
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

cargo fuzz build -O

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failed=()
printf '%-16s %10s %10s %8s %s\n' target runs "runs/s" "new" result
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target" "fuzz/artifacts/$target"
    log="$scratch/$target.log"
    if cargo fuzz run -O "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result="FAILED (see below)"
        failed+=("$target")
    fi
    runs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)"
    found="$(find "$scratch/$target" -type f | wc -l)"
    printf '%-16s %10s %10s %8s %s\n' "$target" "$runs" "$((runs / seconds))" "$found" "$result"
done

for target in "${failed[@]}"; do
    echo "=== $target"
    grep -E -A30 'ERROR: |panicked at|==[0-9]+==' "$scratch/$target.log" | head -n 60
    ls -l "fuzz/artifacts/$target"
done
[ "${#failed[@]}" -eq 0 ]
