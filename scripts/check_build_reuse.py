#!/usr/bin/env python3
"""Checks that the C library, the CLI and the Python binding build their shared dependencies
with the same features, so one release build serves all three (the "build reuse" block in
bindings/c/Cargo.toml and crates/channel-kpi-cli/Cargo.toml).

Cargo resolves features per set of packages built: `maturin develop --release` builds the
Python binding alone, `scripts/install-c.sh` the C library alone. When a shared crate (serde's
derive through `syn`, arrow, the core …) gets other features in one of them, it and everything
above it compile twice — in CI, about three minutes. This compares, for every crate both graphs
hold, the feature sets `cargo tree` reports (a crate built for the host and for the target may
appear twice) and names each difference with the line to add.

The fuzz workspace (fuzz/, its own Cargo.lock) builds its harness in the main target directory
after the Rust layer's tests (`scripts/ci/fuzz.sh`): it reuses their debug build of the
dependencies only when its lock file pins the same versions, so each crate of fuzz/Cargo.lock
that Cargo.lock also holds must have a version Cargo.lock has (49 s against 110 s for the layer).

    python3 scripts/check_build_reuse.py      # exit 1 and the differences when they drift
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict

PYTHON = "channel-kpi-python"
OTHERS = ["channel-kpi-c", "channel-kpi-cli"]
LINE = re.compile(r"(\S+) (v\S+)(?: \(.*?\))? \[(.*)\]")


def graph(package: str) -> dict[tuple[str, str], set[frozenset[str]]]:
    """(name, version) → the feature sets it is built with, normal and build edges."""
    out = subprocess.run(
        ["cargo", "tree", "--locked", "-p", package, "-e", "normal,build", "-f", "{p} [{f}]", "--prefix", "none"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    crates: dict[tuple[str, str], set[frozenset[str]]] = defaultdict(set)
    for line in out.splitlines():
        m = LINE.match(line.replace(" (*)", "").strip())
        if m:
            crates[(m.group(1), m.group(2))].add(frozenset(f for f in m.group(3).split(",") if f))
    return crates


def shown(sets: set[frozenset[str]]) -> str:
    """Feature sets as `[a,b] / [c]`."""
    return " / ".join("[" + ",".join(sorted(s)) + "]" for s in sorted(sets, key=sorted))


def locked(path: str) -> dict[str, set[str]]:
    """Package name → the versions a Cargo.lock pins."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    pinned: dict[str, set[str]] = defaultdict(set)
    for m in re.finditer(r'^name = "([^"]+)"\nversion = "([^"]+)"', text, re.M):
        pinned[m.group(1)].add(m.group(2))
    return pinned


def main() -> int:
    py = graph(PYTHON)
    drift = []
    main_lock, fuzz_lock = locked("Cargo.lock"), locked("fuzz/Cargo.lock")
    for name in sorted(set(main_lock) & set(fuzz_lock)):
        if not fuzz_lock[name] <= main_lock[name]:
            drift.append(
                f"fuzz/Cargo.lock: {name} {', '.join(sorted(fuzz_lock[name]))}, Cargo.lock {', '.join(sorted(main_lock[name]))} "
                f"(copy Cargo.lock to fuzz/Cargo.lock, then run `cargo tree` in fuzz/)"
            )
    for other in OTHERS:
        g = graph(other)
        for key in sorted(set(g) & set(py)):
            if key[0].startswith("channel-kpi"):
                continue
            if g[key] != py[key]:
                drift.append(f"{other}: {key[0]} {key[1]} built with {shown(g[key])}, the Python binding with {shown(py[key])}")
    if drift:
        print("shared dependencies get other features or versions than in the Python binding's build, so they compile twice:")
        print("\n".join("  " + d for d in drift))
        print("a feature drift: add the missing features to the build-reuse block of the crate's Cargo.toml; a version drift: as its line says")
        return 1
    print(f"build reuse: {', '.join(OTHERS)} build every dependency they share with {PYTHON} with its features; fuzz/Cargo.lock pins Cargo.lock's versions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
