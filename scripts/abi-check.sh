#!/usr/bin/env bash
# The C ABI check (run by scripts/ci/c.sh; see the "ABI and versioning policy" in
# include/channel_kpi.h). Compares LIB — the release library as cargo built it, whose C crate has
# full debug info (-C debuginfo=2 via [profile.release.package.channel-kpi-c] in Cargo.toml; not
# stripped: abidiff sees struct layouts only then) — with the committed
# baseline bindings/c/abi/libchannel_kpi.abi (abidw XML, written by scripts/abi-baseline.sh).
#
#   scripts/abi-check.sh target/release/libchannel_kpi_c.so
#
# Allowed within one SONAME (libchannel_kpi.so.N, N = CKPI_ABI_VERSION): added functions, added
# enumerators (status codes), fields appended at the end of a ckpi_* struct (suppressed by
# bindings/c/abi/suppressions.ini). Anything else fails — unless the SONAME moved (N bumped), which
# starts a new ABI: then regenerate the baseline with scripts/abi-baseline.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
lib="${1:?usage: abi-check.sh LIBRARY.so}"
base=bindings/c/abi/libchannel_kpi.abi
base_soname="$(grep -o "soname='[^']*'" "$base" | head -1 | cut -d"'" -f2)"
soname="$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')"
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
    echo "abi-check: $lib has no debug info (stripped? [profile.release.package.channel-kpi-c] debug = 2 in Cargo.toml): abidiff sees no struct layout" >&2
    exit 1
fi
if [ "$soname" != "$base_soname" ]; then
    echo "NOTE: SONAME moved ($base_soname -> $soname): a new ABI; compatibility with the old one is not required."
    echo "      Commit a new baseline: scripts/abi-baseline.sh"
    exit 0
fi
set +e
report="$(abidiff --no-added-syms --suppressions bindings/c/abi/suppressions.ini "$base" "$lib" 2>&1)"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
    echo "$report"
    if [ $((rc & 3)) -ne 0 ]; then
        echo "abi-check: abidiff failed to run (exit $rc)" >&2
    else
        echo "abi-check: the ABI of $soname changed in a way older programs cannot survive (abidiff exit $rc)." >&2
        echo "  Either undo it, or bump CKPI_ABI_VERSION in bindings/c/src/lib.rs (SONAME libchannel_kpi.so.N)" >&2
        echo "  and commit a new baseline with scripts/abi-baseline.sh." >&2
    fi
    exit 1
fi
echo "ok   ABI of $soname: compatible with the baseline (only additions)"
