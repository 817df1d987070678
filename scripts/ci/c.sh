#!/usr/bin/env bash
# C layer: build the C library once (release), check the committed header is what cbindgen
# generates and that its version macros match Cargo.toml, install to a temporary prefix, then
# compile every C test and the example with gcc -Wall -Wextra -Werror against the shared and the
# static library (via pkg-config) and run them: plainly, under valgrind, and with
# ASan/UBSan when gcc's sanitizer runtimes are installed. Then the ABI: abidiff against the
# committed baseline (scripts/abi-check.sh), and a program built against the previous and the
# next release's header run against this library (tests/c/test_abi_compat.c). The benchmark
# program benches/c/bench_c.c is built the same way and run on the sample data (under valgrind)
# and, when .venv has the peers, at 3,000 rows with its results checked against duckdb's and
# polars' (bench_ingest.py --no-cli, bench_c_run.py), so it cannot rot.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
c_start=$(date +%s)

echo "--- header: regenerate with cbindgen 0.29.4 and compare"
cargo run -q --locked -p channel-kpi-c-gen-header -- --out "$work/channel_kpi.h"
if ! diff -u include/channel_kpi.h "$work/channel_kpi.h"; then
    echo "include/channel_kpi.h is out of date: run 'cargo run -p channel-kpi-c-gen-header' and commit it" >&2
    exit 1
fi

echo "--- header: version macros match Cargo.toml"
version="$(cargo pkgid -p channel-kpi-c | sed 's/.*[#@]//')"
IFS=. read -r major minor patch <<<"${version%%-*}"
for part in "MAJOR $major" "MINOR $minor" "PATCH $patch"; do
    set -- $part
    grep -qx "#define CKPI_VERSION_$1 $2" include/channel_kpi.h || {
        echo "include/channel_kpi.h: CKPI_VERSION_$1 is not $2 (Cargo.toml says $version)" >&2
        exit 1
    }
done

echo "--- install (release build) to a temporary prefix"
prefix="$work/prefix"
bash scripts/install-c.sh "$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --exists channel-kpi
[ "$(pkg-config --modversion channel-kpi)" = "$version" ]
abi="$(sed -n 's/^#define CKPI_ABI_VERSION \([0-9]*\)$/\1/p' include/channel_kpi.h)"
[ "$(readelf -d "$prefix/lib/libchannel_kpi.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = "libchannel_kpi.so.$abi" ]

echo "--- ABI: abidiff against the committed baseline (bindings/c/abi/libchannel_kpi.abi)"
if ! command -v abidiff >/dev/null; then
    echo "abidiff missing: installing abigail-tools with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq abigail-tools >/dev/null
fi
abi_start=$(date +%s)
# The release build before install-c.sh stripped it: full debug info for the C crate
# ([profile.release.package.channel-kpi-c] in Cargo.toml), which abidiff needs.
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bash scripts/abi-check.sh "$target_dir/release/libchannel_kpi_c.so"
echo "abi-check: $(( $(date +%s) - abi_start )) s"

echo "--- generate the golden-vector and bad-input cases"
python3 tests/c/gen_golden.py tests/golden "$work/golden_cases.inc"
python3 tests/c/gen_bad_inputs.py tests/bad_inputs/cases "$work/bad_input_cases.inc"

if ! command -v valgrind >/dev/null; then
    echo "valgrind missing: installing it with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi

cflags=(-std=c11 -O1 -g -Wall -Wextra -Werror -pthread -I"$root/tests/c" -I"$work")
tests=(test_scorecard test_misuse test_golden test_load test_bad_inputs test_threads test_partial)

# run NAME BINARY [launcher...]: runs a test binary, requires its "N passed, 0 failed" line.
run() {
    local name="$1" bin="$2"
    shift 2
    local out t0=$SECONDS
    if ! out="$("$@" "$bin" 2>&1)"; then
        echo "$out"
        echo "FAILED: $name" >&2
        exit 1
    fi
    local last
    last="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1)"
    if [[ ! "$last" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
        echo "$out"
        echo "FAILED: $name: no 'N passed, 0 failed' line" >&2
        exit 1
    fi
    echo "ok   $name: $last ($((SECONDS - t0)) s)"
}

have_asan=0
if echo 'int main(void){return 0;}' | gcc -x c - -fsanitize=address,undefined -o "$work/san-probe" 2>/dev/null \
    && "$work/san-probe"; then
    have_asan=1
fi

vg=(env CKPI_TEST_QUICK=1 valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=definite,indirect --error-exitcode=1)
for t in "${tests[@]}"; do
    gcc "${cflags[@]}" "tests/c/$t.c" $(pkg-config --cflags --libs channel-kpi) -lm -o "$work/$t.shared"
    gcc "${cflags[@]}" "tests/c/$t.c" $(pkg-config --cflags channel-kpi) \
        $(pkg-config --variable=static_libs channel-kpi) -lm -o "$work/$t.static"
    LD_LIBRARY_PATH="$prefix/lib" run "$t (shared)" "$work/$t.shared"
    run "$t (static)" "$work/$t.static"
    LD_LIBRARY_PATH="$prefix/lib" run "$t (shared, valgrind)" "$work/$t.shared" "${vg[@]}"
    run "$t (static, valgrind)" "$work/$t.static" "${vg[@]}"
done

echo "--- ABI compatibility: programs built against the previous / this / the next header, one library"
for variant in prev this next; do
    hdr=()
    if [ "$variant" != this ]; then
        mkdir -p "$work/$variant"
        python3 tests/c/abi_variant_header.py include/channel_kpi.h "$work/$variant/channel_kpi.h" "$variant"
        hdr=(-I"$work/$variant")
    fi
    gcc "${hdr[@]}" "${cflags[@]}" tests/c/test_abi_compat.c $(pkg-config --cflags --libs channel-kpi) -lm -o "$work/abi_$variant"
    LD_LIBRARY_PATH="$prefix/lib" run "test_abi_compat ($variant header)" "$work/abi_$variant"
    LD_LIBRARY_PATH="$prefix/lib" run "test_abi_compat ($variant header, valgrind)" "$work/abi_$variant" "${vg[@]}"
    if [ "${have_asan:-0}" = 1 ]; then
        gcc "${hdr[@]}" "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer tests/c/test_abi_compat.c \
            $(pkg-config --cflags --libs channel-kpi) -lm -o "$work/abi_$variant.asan"
        LD_LIBRARY_PATH="$prefix/lib" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            run "test_abi_compat ($variant header, ASan+UBSan)" "$work/abi_$variant.asan"
    fi
done

echo "--- measurement: parallel queries on one dataset (read lock), 1 vs 2 threads"
gcc "${cflags[@]}" -O2 tests/c/bench_parallel_run.c $(pkg-config --cflags --libs channel-kpi) -lm -o "$work/bench_parallel_run"
t0=$SECONDS
LD_LIBRARY_PATH="$prefix/lib" "$work/bench_parallel_run" 15000 30 | head -1
echo "(measurement: $((SECONDS - t0)) s)"

echo "--- benchmark program: benches/c/bench_c.c builds (-Werror) and runs; its results against duckdb's and polars'"
gcc "${cflags[@]}" -O2 benches/c/bench_c.c $(pkg-config --cflags --libs channel-kpi) -o "$work/bench_c"
query='{"metrics": ["deal_count", "won_revenue", "pipeline"], "period": "2025", "group_by": ["partner"]}'
LD_LIBRARY_PATH="$prefix/lib" "${vg[@]}" "$work/bench_c" examples/data "$query" --repeat 1 >"$work/bench_c.out"
head -1 "$work/bench_c.out" | grep -Eq '^# load_s=[0-9.]+ first_run_s=[0-9.]+ best_run_s=[0-9.]+ runs=1 '
sed -n 2p "$work/bench_c.out" | grep -q '^partner,.*won_count,.*won_revenue'
if [ -x .venv/bin/python ] && .venv/bin/python -c 'import duckdb, polars, channel_kpi' 2>/dev/null; then
    # bench_ingest: the C loader on CSV, JSON Lines and Parquet, canonical and through the Maven
    # mapping; bench_c_run: ckpi_dataset_run on a loaded dataset. Each checks the C program's
    # rows equal to duckdb's and polars' (exact counts and sums) and fails otherwise.
    LD_LIBRARY_PATH="$prefix/lib" CKPI_BENCH_C="$work/bench_c" \
        .venv/bin/python benches/bench_ingest.py --rows 3000 --repeat 1 --no-cli --dir "$work/ingest" | tail -1
    LD_LIBRARY_PATH="$prefix/lib" CKPI_BENCH_C="$work/bench_c" \
        .venv/bin/python benches/bench_c_run.py --rows 3000 --repeat 1 | tail -1
else
    echo "SKIPPED: bench_c's equality check against duckdb and polars (needs .venv with duckdb, polars and" \
        "channel_kpi: run 'bash scripts/test.sh python' first)"
fi

echo "--- example: examples/c/scorecard.c (shared and static)"
gcc "${cflags[@]}" examples/c/scorecard.c $(pkg-config --cflags --libs channel-kpi) -o "$work/scorecard"
gcc "${cflags[@]}" examples/c/scorecard.c $(pkg-config --cflags channel-kpi) \
    $(pkg-config --variable=static_libs channel-kpi) -o "$work/scorecard.static"
LD_LIBRARY_PATH="$prefix/lib" "${vg[@]}" "$work/scorecard" | tee "$work/scorecard.out"
grep -q "^acme *300 USD *150 USD *66.7%$" "$work/scorecard.out"
"$work/scorecard.static" | cmp -s - "$work/scorecard.out"

echo "--- sanitizers (ASan + UBSan)"
if [ "$have_asan" = 1 ]; then
    for t in "${tests[@]}"; do
        gcc "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer "tests/c/$t.c" \
            $(pkg-config --cflags --libs channel-kpi) -lm -o "$work/$t.asan"
        LD_LIBRARY_PATH="$prefix/lib" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            run "$t (shared, ASan+UBSan)" "$work/$t.asan"
    done
else
    echo "SKIPPED: gcc's sanitizer runtimes (libasan, libubsan) are not installed"
fi
echo "=== C layer passed ($(( $(date +%s) - c_start )) s)"
