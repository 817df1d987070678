"""Prints the Markdown table of the catalog (paste it into tests/bad_inputs/README.md):

    python3 tests/bad_inputs/readme_table.py

One row per case directory: name, input files, what is wrong, expected outcome. The Rust runner
checks that README.md names every case."""

import json
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")


def outcome(e: dict) -> str:
    if "ok" in e:
        counts = ", ".join(f"{n} {k}" for k, n in e["ok"].items())
        return f"loads ({counts}): {e['repair']}"
    if e["error"] == "many":
        return "`many`: " + "; ".join(outcome(x) for x in e["errors"])
    where = []
    if "file" in e:
        where.append(f"{e['file']}:{e['line']}" if "line" in e else f"{e['file']} row {e['row']}" if "row" in e else e["file"])
    elif "line" in e:
        where.append(f"line {e['line']}")
    for k in ("record", "field", "value"):
        if k in e:
            where.append(f"{k} `{e[k]}`" if e[k] else f"{k} \"\"")
    if "contains" in e:
        where.append(f"says “{e['contains']}”")
    return f"`{e['error']}`" + (": " + ", ".join(where) if where else "")


def main() -> None:
    out = sys.stdout
    out.write("| case | input | what is wrong | expected outcome | as a table |\n|---|---|---|---|---|\n")
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        with open(os.path.join(d, "case.json")) as f:
            c = json.load(f)
        files = ", ".join(sorted(x for x in os.listdir(d) if x != "case.json"))
        extra = []
        if "load" in c:
            extra.append(", ".join(f"{k}={v}" for k, v in c["load"].items()))
        if "query" in c:
            extra.append("query " + ", ".join(c["query"]["metrics"]))
        inp = files + (f" ({'; '.join(extra)})" if extra else "")
        table = "yes" if c["table"] is True else "no"
        expected = outcome(c["expect"]).replace("|", "\\|")
        out.write(f"| `{name}` | {inp} | {c['title']} | {expected} | {table} |\n")


main()
