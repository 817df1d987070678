#!/usr/bin/env python3
"""Writes a variant of include/channel_kpi.h for the ABI compatibility test (stdlib only).

    python3 tests/c/abi_variant_header.py include/channel_kpi.h OUT.h prev|next

prev: the header of the *previous* release, as a later release will see it — the last field
      of ckpi_deal, ckpi_lead and ckpi_load_options removed (a program built against an older
      header, run with this library: it must keep working, missing fields taking defaults).
next: the header of a *future* release — a field more at the end of the same structs (a
      program built against a newer header, run with this older library: it must get
      CKPI_STRUCT_TOO_NEW, and nothing may be read or written past its structs).
The variant also defines CKPI_ABI_TEST_PREV or CKPI_ABI_TEST_NEXT for tests/c/test_abi_compat.c.
"""
import re
import sys

STRUCTS = ("ckpi_deal", "ckpi_lead", "ckpi_load_options")


def main() -> None:
    src, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    text = open(src, encoding="utf-8").read()
    for name in STRUCTS:
        m = re.search(r"typedef struct %s \{\n(.*?)\n\} %s;" % (name, name), text, re.S)
        if not m:
            sys.exit(f"{src}: no 'typedef struct {name} {{ ... }} {name};'")
        lines = m.group(1).split("\n")
        if mode == "prev":
            # Drop the last field and the comment lines above it.
            lines.pop()
            while lines and lines[-1].lstrip().startswith("//"):
                lines.pop()
        elif mode == "next":
            # 8 bytes, so the struct surely grows (a u32 could fit in tail padding).
            lines += ["  // A field of a future release.", "  uint64_t future_field;"]
        else:
            sys.exit("mode must be prev or next")
        text = text[: m.start(1)] + "\n".join(lines) + text[m.end(1):]
    macro = "CKPI_ABI_TEST_PREV" if mode == "prev" else "CKPI_ABI_TEST_NEXT"
    text = text.replace("#define CHANNEL_KPI_H\n", f"#define CHANNEL_KPI_H\n#define {macro} 1\n", 1)
    open(out, "w", encoding="utf-8").write(text)


main()
