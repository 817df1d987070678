#!/usr/bin/env bash
# Writes the committed ABI baseline bindings/c/abi/libchannel_kpi.abi: abidw of the release C
# library, whose C crate is built with full debug info (-C debuginfo=2, not stripped — abidw
# records struct layouts only then; [profile.release.package.channel-kpi-c] in Cargo.toml),
# without paths or source locations so it does not depend on the checkout.
# Run it when the ABI changes on purpose (compatible additions, or a CKPI_ABI_VERSION bump) and
# commit the result; scripts/abi-check.sh compares every CI build with it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --locked --release -p channel-kpi-c
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
mkdir -p bindings/c/abi
abidw --no-corpus-path --no-comp-dir-path --no-show-locs --out-file bindings/c/abi/libchannel_kpi.abi "$target_dir/release/libchannel_kpi_c.so"
echo "wrote bindings/c/abi/libchannel_kpi.abi ($(wc -c < bindings/c/abi/libchannel_kpi.abi) bytes)"
