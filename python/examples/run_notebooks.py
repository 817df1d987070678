"""Executes every notebook of this folder (or the ones named) with nbclient and fails on the
first error, so the examples never rot. CI runs it from scripts/ci/python.sh.

    python python/examples/run_notebooks.py                 # every *.ipynb here
    python python/examples/run_notebooks.py a.ipynb --save  # also write the outputs back

Each notebook runs in its own folder (so relative paths to ../../examples/data work), with the
``python3`` kernel of the interpreter running this script and matplotlib's Agg backend.
The committed notebooks keep their outputs cleared; ``--save`` is for looking at them.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = pathlib.Path(__file__).resolve().parent


def run(path: pathlib.Path, save: bool, timeout: int) -> float:
    """Executes ``path``; returns the wall time in seconds. Raises on a failing cell."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.extra_arguments = ["--IPKernelApp.log_level=ERROR"]  # not the local-TCP transport warning
    client.execute()
    if save:
        nbformat.write(nb, path.with_suffix(".out.ipynb"))
    return time.perf_counter() - start


def main(argv: "list[str] | None" = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=pathlib.Path, help="default: every *.ipynb next to this script")
    ap.add_argument("--save", action="store_true", help="write the executed notebook next to it as NAME.out.ipynb")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per cell (default 300)")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted(p for p in HERE.glob("*.ipynb") if not p.name.endswith(".out.ipynb"))
    if not paths:
        print(f"no notebooks in {HERE}", file=sys.stderr)
        return 1
    os.environ.setdefault("MPLBACKEND", "Agg")  # inherited by the kernel
    for p in paths:
        try:
            seconds = run(p.resolve(), args.save, args.timeout)
        except CellExecutionError as e:
            print(f"FAILED {p.name}:\n{e}", file=sys.stderr)
            return 1
        print(f"ok {p.name} ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
