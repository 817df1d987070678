#!/usr/bin/env bash
# Builds the C library (release) and installs it under PREFIX:
#   PREFIX/lib/libchannel_kpi.so.0.1.0, libchannel_kpi.so.N -> …, libchannel_kpi.so -> …
#   (N = CKPI_ABI_VERSION, the ABI version: the SONAME; see the ABI policy in the header)
#   PREFIX/lib/libchannel_kpi.a
#   PREFIX/include/channel_kpi.h
#   PREFIX/lib/pkgconfig/channel-kpi.pc
#
#   ./scripts/install-c.sh /usr/local          # or any prefix you can write to
#
# Cargo names the outputs after the crate's lib name (channel_kpi_c, which must differ from the
# core's channel_kpi); they are renamed here. The shared library's SONAME is already
# libchannel_kpi.so.<CKPI_ABI_VERSION> (set by bindings/c/build.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:?usage: install-c.sh PREFIX}"
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
version="$(cargo pkgid -p channel-kpi-c | sed 's/.*[#@]//')"
major="$(sed -n 's/^pub const CKPI_ABI_VERSION: u32 = \([0-9]*\);$/\1/p' bindings/c/src/lib.rs)"   # the SONAME's N
[ -n "$major" ] || { echo "install-c.sh: no CKPI_ABI_VERSION in bindings/c/src/lib.rs" >&2; exit 1; }

# One release build that also prints the system libraries a static link needs.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo rustc -p channel-kpi-c --release --locked -- --print native-static-libs 2>"$log" || { cat "$log" >&2; exit 1; }
native="$(sed -n 's/.*native-static-libs: //p' "$log" | tail -1)"
if [ -z "$native" ]; then
    # A fresh build prints nothing; these are the libraries std needs on glibc targets.
    native="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
fi

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
out="$target_dir/release"
install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0755 "$out/libchannel_kpi_c.so" "$prefix/lib/libchannel_kpi.so.$version"
# The C crate is built with full debug info (for the ABI check, scripts/abi-check.sh); what is
# installed does not carry it.
strip --strip-debug "$prefix/lib/libchannel_kpi.so.$version"
ln -sf "libchannel_kpi.so.$version" "$prefix/lib/libchannel_kpi.so.$major"
ln -sf "libchannel_kpi.so.$major" "$prefix/lib/libchannel_kpi.so"
install -m 0644 "$out/libchannel_kpi_c.a" "$prefix/lib/libchannel_kpi.a"
strip --strip-debug "$prefix/lib/libchannel_kpi.a"
install -m 0644 include/channel_kpi.h "$prefix/include/channel_kpi.h"
cat > "$prefix/lib/pkgconfig/channel-kpi.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include
# For a fully static link: gcc app.c \$(pkg-config --cflags channel-kpi) \$(pkg-config --variable=static_libs channel-kpi)
static_libs=\${libdir}/libchannel_kpi.a $native

Name: channel-kpi
Description: KPIs of channel-partner management and the sales pipeline, computed exactly (C API)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lchannel_kpi
Libs.private: $native
PC
echo "installed channel-kpi $version into $prefix (static link needs: $native)"
