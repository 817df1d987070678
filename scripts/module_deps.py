#!/usr/bin/env python3
"""Module dependency graph of one Rust module tree, and its cycles.

    python3 scripts/module_deps.py crates/channel-kpi/src/engine   # the engine's modules
    python3 scripts/module_deps.py bindings/c/src                   # a crate's top modules

Each `.rs` file (or directory) directly under DIR is a module (but `X_tests.rs`, the tests of `X.rs`). A module depends on another
when its code (comments and `#[cfg(test)] mod tests` blocks left out) names it by path:
`super::m::…`, `crate::m::…` / `$crate::m::…` (DIR is a crate's src), `crate::engine::m::…`
(DIR is a module), or names an item the parent re-exports (`super::Item`,
`crate::engine::Item`, `crate::Item` re-exported by lib.rs from DIR), or calls a method
(`.name(` / `::name(`) that only that module defines in the whole crate (an inherent `impl`
can sit in another module than its type: `registry.rs` adds `Metric`'s dispatch methods).
Macro-generated functions (`$variant`-named) are not seen. Prints every edge, the
strongly connected components of more than one module (cycles), and a layered order (each
module after everything it uses). Exits 1 when there is a cycle.
"""
import os
import re
import sys


def strip(text):
    """Code without comments, string and char literals, and test modules."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "r" and re.match(r'r#*"', text[i:]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            j = text.find('"' + hashes, i + len(hashes) + 2)
            out.append('""')
            i = n if j < 0 else j + 1 + len(hashes)
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4] + "    "):
            m = re.match(r"'(\\x..|\\u\{[0-9a-fA-F]*\}|\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += len(m.group(0)) if m else 1
        else:
            out.append(c)
            i += 1
    code = "".join(out)
    m = re.search(r"#\[cfg\(test\)\]\s*mod\s+tests\s*\{", code)
    return code[: m.start()] if m else code


def reexports(text, modules):
    """Names a file re-exports from `modules`: `pub use m::{A, B};`, `pub(crate) use m::C;`."""
    out = {}
    for m in re.finditer(r"pub(?:\([a-z]+\))?\s+use\s+(?:self::|crate::)?(\w+)::(\{[^}]*\}|\w+)\s*;", text):
        mod, names = m.group(1), m.group(2)
        for n in re.findall(r"\w+", names):
            if mod in modules:
                out[n] = mod
            else:
                out.setdefault(n, mod)
    return out


def main(d):
    d = d.rstrip("/")
    parent = os.path.basename(d)
    is_crate_src = parent == "src"
    modules = {}
    for e in sorted(os.listdir(d)):
        p = os.path.join(d, e)
        # `X_tests.rs`: the unit tests of `X.rs`, included from its `#[cfg(test)] mod tests`
        if e.endswith(".rs") and e not in ("mod.rs", "lib.rs", "main.rs", "tests.rs") and not e.endswith("_tests.rs"):
            modules.setdefault(e[:-3], []).append(p)
        elif os.path.isdir(p):
            for root, _, files in os.walk(p):
                modules.setdefault(e, []).extend(os.path.join(root, f) for f in files if f.endswith(".rs"))
    names = set(modules)
    root_file = os.path.join(d, "lib.rs" if is_crate_src else "mod.rs")
    local = reexports(strip(open(root_file).read()), names) if os.path.exists(root_file) else {}
    lib = {}
    if not is_crate_src:
        lib_rs = os.path.join(os.path.dirname(d), "lib.rs")
        if os.path.exists(lib_rs):
            lib = {n: local[n] for n, m in reexports(strip(open(lib_rs).read()), {parent}).items() if m == parent and n in local}

    def target(name):
        if name in names:
            return name
        return local.get(name)

    # methods defined in exactly one file of the whole crate, and in one of these modules
    crate_src = d
    while os.path.basename(crate_src) != "src" and os.path.dirname(crate_src) != crate_src:
        crate_src = os.path.dirname(crate_src)
    defined = {}
    for root, _, files in os.walk(crate_src):
        for fn in files:
            if fn.endswith(".rs"):
                p = os.path.join(root, fn)
                for name in set(re.findall(r"\bfn\s+(\w+)", strip(open(p).read()))):
                    defined.setdefault(name, set()).add(p)
    # names of common std methods: a call of one is not taken for the crate's own
    std_names = set("""push pop get get_mut insert remove len is_empty iter iter_mut new default clone
        extend map from into next write flush fmt parse entry take sum min max first last keys
        values contains add sub mul div neg cmp eq hash drop deref index as_ref as_str""".split())
    method_home = {}
    for mod, files in modules.items():
        for f in files:
            for name in set(re.findall(r"\bfn\s+(\w+)", strip(open(f).read()))):
                if defined.get(name) == {f} and name not in std_names:
                    method_home[name] = mod
    edges = {m: set() for m in modules}
    for mod, files in modules.items():
        for f in files:
            code = strip(open(f).read())
            # a file inside a module directory: its `super::` is that module itself
            nested = os.path.dirname(f) != d
            paths = []
            if not nested:
                for m in re.finditer(r"\bsuper::(\{[^}]*\}|\w+)", code):
                    paths.append(m.group(1))
            if is_crate_src:
                for m in re.finditer(r"\$?crate::(\{[^}]*\}|\w+)", code):
                    paths.append(m.group(1))
            else:
                for m in re.finditer(r"\bcrate::%s::(\{[^}]*\}|\w+)" % parent, code):
                    paths.append(m.group(1))
                for m in re.finditer(r"\bcrate::(\w+)\b(?!::)", code):
                    if m.group(1) in lib:
                        paths.append(m.group(1))
                for m in re.finditer(r"\bcrate::(\w+)::", code):
                    if m.group(1) in lib:
                        paths.append(m.group(1))
            for m in re.finditer(r"(?:\.|::)([a-z_][a-z0-9_]*)\s*(?:::<[^>]*>)?\(", code):
                t = method_home.get(m.group(1))
                if t and t != mod:
                    edges[mod].add(t)
                    if os.environ.get("VERBOSE"):
                        print(f"  {f}: calls {m.group(1)} of {t}")
            for p in paths:
                heads = re.findall(r"(?:^|[{,]\s*)(\w+)", p) if p.startswith("{") else [p]
                for h in heads:
                    t = target(h)
                    if t and t != mod:
                        edges[mod].add(t)
    for m in sorted(edges):
        print(f"{m} -> {', '.join(sorted(edges[m])) or '(nothing)'}")
    # Tarjan's strongly connected components
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    cycles = [sorted(c) for c in comps if len(c) > 1]
    if cycles:
        for c in cycles:
            print("CYCLE: " + " <-> ".join(c))
        return 1
    # layers: a module's layer is one more than the highest layer it uses
    layer = {}

    def depth(v):
        if v not in layer:
            layer[v] = 1 + max((depth(w) for w in edges[v]), default=-1)
        return layer[v]

    for v in edges:
        depth(v)
    print("no cycle; layers (each uses only lower ones):")
    for k in range(max(layer.values()) + 1):
        print(f"  {k}: {' '.join(sorted(v for v in layer if layer[v] == k))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "crates/channel-kpi/src/engine"))
