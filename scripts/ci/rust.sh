#!/usr/bin/env bash
# Rust layer: formatting, lints, and every Rust test (unit, integration, doc tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
# A from-scratch build here (CI's fresh clone): incremental compilation only adds work to it
# (a fresh `cargo test --workspace` build: 269 s incremental, 223 s not, with the dependencies'
# debug info off). A developer's own setting wins.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
step() { echo "--- $1: $(( $(date +%s) - t )) s"; t=$(date +%s); }
t=$(date +%s)
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The core alone, without the `arrow` feature the workspace unifies in (what the fuzz harness
# and a plain `cargo add channel-kpi` build): no dead code there either.
cargo clippy -p channel-kpi --lib --locked -- -D warnings
step "fmt and clippy"
# No import loop between the modules of the engine, the loader or the C binding (issue 12).
for d in crates/channel-kpi/src/engine crates/channel-kpi/src/load bindings/c/src; do
    python3 scripts/module_deps.py "$d" > /dev/null || { python3 scripts/module_deps.py "$d" | grep CYCLE; exit 1; }
done
# The C library and the CLI build their dependencies with the Python binding's features, so the
# C layer's release build reuses what maturin built (scripts/check_build_reuse.py).
python3 scripts/check_build_reuse.py
if [ ! -d ../shared/datasets ]; then
    echo "NOTE: ../shared/datasets is absent: the real-dataset tests will report SKIPPED." >&2
fi
# `cargo test --workspace --locked`, its test binaries run side by side (one per core) instead of
# one after the other: a binary ending in one long property test no longer leaves a core idle.
python3 scripts/ci/run_test_binaries.py --workspace --locked
step "cargo test --workspace"
# The bad-input catalog in a plain `cargo add channel-kpi` build (no features): its Parquet
# cases refused by name, with an error that names the feature, the others as with it.
cargo test -p channel-kpi --test bad_inputs --locked
step "bad_inputs without features"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked --quiet
# The private items' docs too (the engine's and loaders' module docs link across modules):
# a link that no longer resolves fails here, not in a reader's browser.
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p channel-kpi --all-features --document-private-items --locked --quiet
step "docs"
