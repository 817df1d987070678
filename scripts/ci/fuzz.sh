#!/usr/bin/env bash
# Fuzz layer. Always: replay the committed seeds (fuzz/seeds/<target>/) and every input that
# once crashed a target (fuzz/regressions/<target>/) through the fuzz harness with the stable
# toolchain — a plain `cargo test`, seconds. Then, when a nightly toolchain and cargo-fuzz are
# installed, a smoke run of each libFuzzer target for FUZZ_SMOKE_SECONDS (default 0: off; set it to
# run it). Long runs are manual: `cd fuzz && cargo +nightly fuzz run <target> corpus/<target> seeds/<target>`.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TERM_COLOR=never

echo "--- replay seeds and regressions (stable)"
# The main workspace's target dir: its dependencies are already built there by the Rust layer
# (same versions, profile and CARGO_INCREMENTAL=0: scripts/check_build_reuse.py keeps
# fuzz/Cargo.lock in step), so only the core, the C crate and the harness compile.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
(cd fuzz && cargo test -q --locked --target-dir ../target -p channel-kpi-fuzz-harness)

seconds="${FUZZ_SMOKE_SECONDS:-0}"
if [ "$seconds" = 0 ]; then
    echo "SKIPPED: fuzz smoke run (FUZZ_SMOKE_SECONDS=0)"
elif ! rustup run nightly rustc --version >/dev/null 2>&1 || ! cargo fuzz --version >/dev/null 2>&1; then
    echo "SKIPPED: fuzz smoke run (needs a nightly toolchain and cargo-fuzz: cargo install cargo-fuzz)"
else
    echo "--- smoke run: each target ${seconds}s (nightly, libFuzzer + ASan)"
    cd fuzz
    for t in load_csv load_jsonl period query c_api render; do
        mkdir -p "corpus/$t"
        log="$(mktemp)"
        if ! cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 >"$log" 2>&1; then
            tail -40 "$log"
            echo "fuzz target $t failed (a crash is saved under fuzz/artifacts/$t/: copy it to" >&2
            echo "fuzz/regressions/$t/, fix the bug, and commit both)" >&2
            exit 1
        fi
        echo "ok   $t: $(grep -E '^Done [0-9]+ runs' "$log" | tail -1) $(grep -oE 'cov: [0-9]+' "$log" | tail -1)"
        rm -f "$log"
    done
fi
echo "=== fuzz layer passed"
