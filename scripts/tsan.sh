#!/usr/bin/env bash
# ThreadSanitizer run of the C concurrency tests — a documented manual check, not part of
# .ci/run (it needs nightly and builds the whole dependency graph and std again: minutes).
#
#   scripts/tsan.sh
#
# Builds the C library with nightly `-Zsanitizer=thread -Zbuild-std` (std instrumented too;
# without it TSan reports false races inside std), then tests/c/test_threads.c (8 threads x
# 2,500 failed pushes reading per-thread last errors on one shared dataset; 4 threads querying
# one dataset at once under its read lock) and tests/c/bench_parallel_run.c (2 threads, small)
# with gcc -fsanitize=thread, and runs them with halt_on_error=1: any data race fails.
# Needs: a nightly toolchain with rust-src (`rustup component add rust-src --toolchain nightly`)
# and gcc's libtsan. helgrind and drd are no substitute: they cannot see Rust's futex-based
# locks and report thousands of false races on correct code.
set -euo pipefail
cd "$(dirname "$0")/.."
triple="$(rustc -vV | sed -n 's/^host: //p')"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "tsan.sh: needs a nightly toolchain (rustup toolchain install nightly)" >&2
    exit 2
fi
if [ ! -d "$(rustc +nightly --print sysroot)/lib/rustlib/src/rust/library" ]; then
    echo "tsan.sh: needs nightly's rust-src (rustup component add rust-src --toolchain nightly)" >&2
    exit 2
fi
out=target/tsan
abi="$(sed -n 's/^#define CKPI_ABI_VERSION \([0-9]*\)$/\1/p' include/channel_kpi.h)"
echo "--- build the C library with ThreadSanitizer (nightly, -Zbuild-std)"
RUSTFLAGS="-Zsanitizer=thread" cargo +nightly build -q -Zbuild-std --target "$triple" --release \
    -p channel-kpi-c --target-dir "$out"
mkdir -p "$out/lib"
cp "$out/$triple/release/libchannel_kpi_c.so" "$out/lib/libchannel_kpi.so.$abi"
ln -sf "libchannel_kpi.so.$abi" "$out/lib/libchannel_kpi.so"
# The C programs are instrumented by gcc (-fsanitize=thread) but linked with the LLVM TSan
# runtime that ships with nightly Rust: gcc 12's libtsan lacks __tsan_memcpy/memset/memmove,
# which the Rust side calls, and one process must have one TSan runtime.
rt="$(rustc +nightly --print sysroot)/lib/rustlib/$triple/lib/librustc-nightly_rt.tsan.a"
link() { # link SOURCE OUT [libs...]
    local src="$1" exe="$2"
    shift 2
    gcc -std=c11 -O1 -g -fsanitize=thread -pthread -Itests/c -Iinclude -c "$src" -o "$exe.o"
    gcc -pthread "$exe.o" -Wl,--whole-archive "$rt" -Wl,--no-whole-archive "$@" -lm -ldl -lrt -lstdc++ -o "$exe"
}
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
echo "--- self-check: a racy program must be reported (the set-up is live)"
printf '%s\n' '#include <pthread.h>' 'int x;' 'static void *w(void *a) { (void)a; for (int i = 0; i < 100000; i++) x++; return 0; }' \
    'int main(void) { pthread_t t[2]; for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, w, 0);' \
    '  for (int i = 0; i < 2; i++) pthread_join(t[i], 0); return 0; }' >"$out/race.c"
link "$out/race.c" "$out/race"
if "$out/race" >"$out/race.log" 2>&1 || ! grep -q "ThreadSanitizer: data race" "$out/race.log"; then
    echo "tsan.sh: ThreadSanitizer did not report a deliberate race: the set-up is not working" >&2
    exit 1
fi
echo "--- run the C concurrency tests under ThreadSanitizer"
for t in test_threads bench_parallel_run; do
    link "tests/c/$t.c" "$out/$t" -L"$out/lib" -lchannel_kpi
done
LD_LIBRARY_PATH="$out/lib" "$out/test_threads"
LD_LIBRARY_PATH="$out/lib" "$out/bench_parallel_run" 2000 4
echo "=== ThreadSanitizer: no data race reported"
