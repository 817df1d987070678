#!/usr/bin/env python3
"""Runs the test binaries of `cargo test ARGS` side by side instead of one after the other.

    python3 scripts/ci/run_test_binaries.py --workspace --locked

`cargo test` runs its test binaries one at a time; inside a binary the tests share the cores,
but a binary whose last test is a long one (a property test over files, 60 s unoptimized) leaves
the other cores idle until it ends, and 50 binaries pay that tail one after another (measured
on 2 cores: ~400 s one after the other, 316–339 s side by side, then 1.94 cores busy: the run is
bound by its work, not by this order). This
builds them with `cargo test --no-run ARGS`, then runs as many binaries at once as there are
cores, the biggest first (its size on disk: a proxy for the work it holds; what matters is that
a long one does not start last), each as cargo would run it (working directory: its package,
`CARGO_MANIFEST_DIR` set). Each binary's output is printed whole when it
ends, with its time. Then the doc tests (`cargo test --doc ARGS`). Exits non-zero, after every
binary has run, when one failed, naming each that did.

Every test still runs, with cargo's own harness and arguments; only the order of the binaries
and their overlap change. (The tests of one binary never shared a process with another's; they
write their scratch files under names holding their process id.)
"""

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed


def test_binaries(cargo_args):
    """(name, path, package directory) of every test executable the build made."""
    out = subprocess.run(
        ["cargo", "test", "--no-run", "--message-format=json-render-diagnostics", *cargo_args],
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    ).stdout
    found = []
    for line in out.splitlines():
        msg = json.loads(line) if line.startswith("{") else {}
        if msg.get("reason") == "compiler-artifact" and msg.get("profile", {}).get("test") and msg.get("executable"):
            package_dir = os.path.dirname(msg["manifest_path"])
            name = f"{os.path.relpath(package_dir)}: {'/'.join(msg['target']['kind'])} {msg['target']['name']}"
            found.append((name, msg["executable"], package_dir))
    return found


def run(binary):
    name, exe, package_dir = binary
    env = dict(os.environ, CARGO_MANIFEST_DIR=package_dir)
    start = time.monotonic()
    done = subprocess.run([exe], cwd=package_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return name, done.returncode, done.stdout, time.monotonic() - start


def main():
    cargo_args = sys.argv[1:]
    start = time.monotonic()
    binaries = test_binaries(cargo_args)
    built = time.monotonic()
    print(f"--- {len(binaries)} test binaries built in {built - start:.0f} s; running {os.cpu_count()} at a time", flush=True)
    binaries.sort(key=lambda b: os.path.getsize(b[1]), reverse=True)
    failed, times = [], []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for job in as_completed([pool.submit(run, b) for b in binaries]):
            name, code, output, seconds = job.result()
            times.append((seconds, name))
            print(f"     Running {name} ({seconds:.1f} s{', FAILED' if code else ''})\n{output}", flush=True)
            if code:
                failed.append(name)
    print(f"--- test binaries ran in {time.monotonic() - built:.0f} s; the longest:", flush=True)
    for seconds, name in sorted(times, reverse=True)[:5]:
        print(f"    {seconds:6.1f} s  {name}")
    doc = subprocess.run(["cargo", "test", "--doc", *cargo_args])
    if doc.returncode:
        failed.append("doc tests")
    if failed:
        print("FAILED: " + ", ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
